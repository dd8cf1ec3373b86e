/*
 * setjmp/longjmp for x86_64 System V: saves the callee-saved registers
 * (rbx, rbp, r12-r15), the stack pointer and the return address into the
 * first eight words of the glibc-shaped jmp_buf. No signal mask is saved:
 * minlibc delivers no asynchronous signals.
 */
    .text
    .globl setjmp, _setjmp, sigsetjmp, __sigsetjmp, longjmp, _longjmp, siglongjmp
    .type setjmp,@function
    .type _setjmp,@function
    .type sigsetjmp,@function
    .type __sigsetjmp,@function
    .type longjmp,@function
    .type _longjmp,@function
    .type siglongjmp,@function
setjmp:
_setjmp:
sigsetjmp:
__sigsetjmp:
    movq %rbx, 0(%rdi)
    movq %rbp, 8(%rdi)
    movq %r12, 16(%rdi)
    movq %r13, 24(%rdi)
    movq %r14, 32(%rdi)
    movq %r15, 40(%rdi)
    leaq 8(%rsp), %rdx          /* stack pointer after our return */
    movq %rdx, 48(%rdi)
    movq (%rsp), %rdx           /* return address */
    movq %rdx, 56(%rdi)
    movl $0, 64(%rdi)           /* __mask_was_saved */
    xorl %eax, %eax
    ret
    .size setjmp, .-setjmp

longjmp:
_longjmp:
siglongjmp:
    movl %esi, %eax
    testl %eax, %eax
    jnz 1f
    incl %eax                   /* longjmp(env, 0) returns 1 */
1:
    movq 0(%rdi), %rbx
    movq 8(%rdi), %rbp
    movq 16(%rdi), %r12
    movq 24(%rdi), %r13
    movq 32(%rdi), %r14
    movq 40(%rdi), %r15
    movq 48(%rdi), %rsp
    jmpq *56(%rdi)
    .size longjmp, .-longjmp

    .section .note.GNU-stack,"",@progbits
