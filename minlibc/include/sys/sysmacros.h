#ifndef _SYS_SYSMACROS_H
#define _SYS_SYSMACROS_H
/* glibc's dev_t encoding. */
#define major(dev) ((unsigned int)((((dev) >> 32) & 0xfffff000u) | (((dev) >> 8) & 0xfffu)))
#define minor(dev) ((unsigned int)((((dev) >> 12) & 0xffffff00u) | ((dev) & 0xffu)))
#define makedev(ma, mi) ((((unsigned long)(ma) & 0xfffff000ul) << 32) | (((unsigned long)(ma) & 0xffful) << 8) | \
                         (((unsigned long)(mi) & 0xffffff00ul) << 12) | ((unsigned long)(mi) & 0xfful))
#endif
