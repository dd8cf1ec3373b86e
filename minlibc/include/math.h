/* <math.h>: the C99 double and float functions, provided by libm.a (the
 * Rust libm crate exported under the C names, or openlibm when built with
 * --libm openlibm=DIR). long double functions are not provided. */
#ifndef _MATH_H
#define _MATH_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
typedef double double_t;
typedef float float_t;
#define HUGE_VAL (__builtin_huge_val())
#define HUGE_VALF (__builtin_huge_valf())
#define HUGE_VALL (__builtin_huge_vall())
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define FP_NAN 0
#define FP_INFINITE 1
#define FP_ZERO 2
#define FP_SUBNORMAL 3
#define FP_NORMAL 4
#define FP_ILOGB0 (-2147483647 - 1)
#define FP_ILOGBNAN (-2147483647 - 1)
#define MATH_ERRNO 1
#define MATH_ERREXCEPT 2
#define math_errhandling MATH_ERREXCEPT
#define fpclassify(x) __builtin_fpclassify(FP_NAN, FP_INFINITE, FP_NORMAL, FP_SUBNORMAL, FP_ZERO, x)
#define isfinite(x) __builtin_isfinite(x)
#define isinf(x) __builtin_isinf_sign(x)
#define isnan(x) __builtin_isnan(x)
#define isnormal(x) __builtin_isnormal(x)
#define signbit(x) __builtin_signbit(x)
#define isgreater(x, y) __builtin_isgreater(x, y)
#define isgreaterequal(x, y) __builtin_isgreaterequal(x, y)
#define isless(x, y) __builtin_isless(x, y)
#define islessequal(x, y) __builtin_islessequal(x, y)
#define islessgreater(x, y) __builtin_islessgreater(x, y)
#define isunordered(x, y) __builtin_isunordered(x, y)
#define M_E 2.7182818284590452354
#define M_LOG2E 1.4426950408889634074
#define M_LOG10E 0.43429448190325182765
#define M_LN2 0.69314718055994530942
#define M_LN10 2.30258509299404568402
#define M_PI 3.14159265358979323846
#define M_PI_2 1.57079632679489661923
#define M_PI_4 0.78539816339744830962
#define M_1_PI 0.31830988618379067154
#define M_2_PI 0.63661977236758134308
#define M_2_SQRTPI 1.12837916709551257390
#define M_SQRT2 1.41421356237309504880
#define M_SQRT1_2 0.70710678118654752440
extern int signgam;

double acos(double); float acosf(float);
double asin(double); float asinf(float);
double atan(double); float atanf(float);
double atan2(double, double); float atan2f(float, float);
double cos(double); float cosf(float);
double sin(double); float sinf(float);
double tan(double); float tanf(float);
void sincos(double, double *, double *); void sincosf(float, float *, float *);
double acosh(double); float acoshf(float);
double asinh(double); float asinhf(float);
double atanh(double); float atanhf(float);
double cosh(double); float coshf(float);
double sinh(double); float sinhf(float);
double tanh(double); float tanhf(float);
double exp(double); float expf(float);
double exp2(double); float exp2f(float);
double exp10(double); float exp10f(float);
double expm1(double); float expm1f(float);
double frexp(double, int *); float frexpf(float, int *);
int ilogb(double); int ilogbf(float);
double ldexp(double, int); float ldexpf(float, int);
double log(double); float logf(float);
double log10(double); float log10f(float);
double log1p(double); float log1pf(float);
double log2(double); float log2f(float);
double logb(double); float logbf(float);
double modf(double, double *); float modff(float, float *);
double scalbn(double, int); float scalbnf(float, int);
double scalbln(double, long); float scalblnf(float, long);
double cbrt(double); float cbrtf(float);
double fabs(double); float fabsf(float);
double hypot(double, double); float hypotf(float, float);
double pow(double, double); float powf(float, float);
double sqrt(double); float sqrtf(float);
double erf(double); float erff(float);
double erfc(double); float erfcf(float);
double lgamma(double); float lgammaf(float);
double lgamma_r(double, int *); float lgammaf_r(float, int *);
double tgamma(double); float tgammaf(float);
double ceil(double); float ceilf(float);
double floor(double); float floorf(float);
double nearbyint(double); float nearbyintf(float);
double rint(double); float rintf(float);
long lrint(double); long lrintf(float);
long long llrint(double); long long llrintf(float);
double round(double); float roundf(float);
long lround(double); long lroundf(float);
long long llround(double); long long llroundf(float);
double trunc(double); float truncf(float);
double fmod(double, double); float fmodf(float, float);
double remainder(double, double); float remainderf(float, float);
double remquo(double, double, int *); float remquof(float, float, int *);
double copysign(double, double); float copysignf(float, float);
double nan(const char *); float nanf(const char *);
double nextafter(double, double); float nextafterf(float, float);
double fdim(double, double); float fdimf(float, float);
double fmax(double, double); float fmaxf(float, float);
double fmin(double, double); float fminf(float, float);
double fma(double, double, double); float fmaf(float, float, float);
double j0(double); float j0f(float);
double j1(double); float j1f(float);
double jn(int, double); float jnf(int, float);
double y0(double); float y0f(float);
double y1(double); float y1f(float);
double yn(int, double); float ynf(int, float);
__MINLIBC_END
#endif
