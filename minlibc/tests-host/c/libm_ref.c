/*
 * Reference values for the libm comparison (tests/libm.rs): glibc's long
 * double (x87, 64-bit significand) functions rounded to double or float.
 * They are 11 bits more precise than the results being judged, so they
 * decide who is right where glibc's double function and libm.a disagree by
 * more than an ulp (glibc's double functions are not all correctly
 * rounded: cbrt, for one, errs by up to 3 ulp).
 */
#include <math.h>

#define REF1(name) \
    double ref_##name(double x) { return (double)name##l((long double)x); } \
    float ref_##name##f(float x) { return (float)name##l((long double)x); }
#define REF2(name) \
    double ref_##name(double x, double y) { return (double)name##l((long double)x, (long double)y); } \
    float ref_##name##f(float x, float y) { return (float)name##l((long double)x, (long double)y); }

REF1(acos) REF1(asin) REF1(atan) REF1(cos) REF1(sin) REF1(tan) REF1(acosh) REF1(asinh) REF1(atanh)
REF1(cosh) REF1(sinh) REF1(tanh) REF1(exp) REF1(exp2) REF1(expm1) REF1(log) REF1(log10) REF1(log1p)
REF1(log2) REF1(cbrt) REF1(sqrt) REF1(erf) REF1(erfc) REF1(ceil) REF1(floor) REF1(rint) REF1(round)
REF1(trunc) REF1(logb) REF1(nearbyint) REF1(tgamma) REF1(lgamma)
REF2(atan2) REF2(hypot) REF2(pow) REF2(fmod) REF2(remainder)
