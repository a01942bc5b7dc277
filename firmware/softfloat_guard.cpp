// Counts calls of the ARM EABI soft-float routines (linked with -Wl,--wrap=... by meson.build), so
// the fixed-point firmware can prove that its training steps use no floating point at all. The
// flag-returning comparisons (__aeabi_cfcmple and friends) are only called from inside these.
#include "softfloat_guard.hpp"

volatile uint32_t g_soft_float_calls = 0;

extern "C" {
float __real___aeabi_fadd(float, float);
float __wrap___aeabi_fadd(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fadd(a0, a1);
}
float __real___aeabi_fsub(float, float);
float __wrap___aeabi_fsub(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fsub(a0, a1);
}
float __real___aeabi_frsub(float, float);
float __wrap___aeabi_frsub(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_frsub(a0, a1);
}
float __real___aeabi_fmul(float, float);
float __wrap___aeabi_fmul(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fmul(a0, a1);
}
float __real___aeabi_fdiv(float, float);
float __wrap___aeabi_fdiv(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fdiv(a0, a1);
}
double __real___aeabi_dadd(double, double);
double __wrap___aeabi_dadd(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dadd(a0, a1);
}
double __real___aeabi_dsub(double, double);
double __wrap___aeabi_dsub(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dsub(a0, a1);
}
double __real___aeabi_drsub(double, double);
double __wrap___aeabi_drsub(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_drsub(a0, a1);
}
double __real___aeabi_dmul(double, double);
double __wrap___aeabi_dmul(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dmul(a0, a1);
}
double __real___aeabi_ddiv(double, double);
double __wrap___aeabi_ddiv(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_ddiv(a0, a1);
}
int __real___aeabi_fcmpeq(float, float);
int __wrap___aeabi_fcmpeq(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fcmpeq(a0, a1);
}
int __real___aeabi_fcmplt(float, float);
int __wrap___aeabi_fcmplt(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fcmplt(a0, a1);
}
int __real___aeabi_fcmple(float, float);
int __wrap___aeabi_fcmple(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fcmple(a0, a1);
}
int __real___aeabi_fcmpge(float, float);
int __wrap___aeabi_fcmpge(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fcmpge(a0, a1);
}
int __real___aeabi_fcmpgt(float, float);
int __wrap___aeabi_fcmpgt(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fcmpgt(a0, a1);
}
int __real___aeabi_fcmpun(float, float);
int __wrap___aeabi_fcmpun(float a0, float a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_fcmpun(a0, a1);
}
int __real___aeabi_dcmpeq(double, double);
int __wrap___aeabi_dcmpeq(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dcmpeq(a0, a1);
}
int __real___aeabi_dcmplt(double, double);
int __wrap___aeabi_dcmplt(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dcmplt(a0, a1);
}
int __real___aeabi_dcmple(double, double);
int __wrap___aeabi_dcmple(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dcmple(a0, a1);
}
int __real___aeabi_dcmpge(double, double);
int __wrap___aeabi_dcmpge(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dcmpge(a0, a1);
}
int __real___aeabi_dcmpgt(double, double);
int __wrap___aeabi_dcmpgt(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dcmpgt(a0, a1);
}
int __real___aeabi_dcmpun(double, double);
int __wrap___aeabi_dcmpun(double a0, double a1) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_dcmpun(a0, a1);
}
double __real___aeabi_f2d(float);
double __wrap___aeabi_f2d(float a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_f2d(a0);
}
float __real___aeabi_d2f(double);
float __wrap___aeabi_d2f(double a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_d2f(a0);
}
float __real___aeabi_i2f(int);
float __wrap___aeabi_i2f(int a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_i2f(a0);
}
float __real___aeabi_ui2f(unsigned);
float __wrap___aeabi_ui2f(unsigned a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_ui2f(a0);
}
float __real___aeabi_l2f(long long);
float __wrap___aeabi_l2f(long long a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_l2f(a0);
}
float __real___aeabi_ul2f(unsigned long long);
float __wrap___aeabi_ul2f(unsigned long long a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_ul2f(a0);
}
double __real___aeabi_i2d(int);
double __wrap___aeabi_i2d(int a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_i2d(a0);
}
double __real___aeabi_ui2d(unsigned);
double __wrap___aeabi_ui2d(unsigned a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_ui2d(a0);
}
double __real___aeabi_l2d(long long);
double __wrap___aeabi_l2d(long long a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_l2d(a0);
}
double __real___aeabi_ul2d(unsigned long long);
double __wrap___aeabi_ul2d(unsigned long long a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_ul2d(a0);
}
int __real___aeabi_f2iz(float);
int __wrap___aeabi_f2iz(float a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_f2iz(a0);
}
unsigned __real___aeabi_f2uiz(float);
unsigned __wrap___aeabi_f2uiz(float a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_f2uiz(a0);
}
long long __real___aeabi_f2lz(float);
long long __wrap___aeabi_f2lz(float a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_f2lz(a0);
}
unsigned long long __real___aeabi_f2ulz(float);
unsigned long long __wrap___aeabi_f2ulz(float a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_f2ulz(a0);
}
int __real___aeabi_d2iz(double);
int __wrap___aeabi_d2iz(double a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_d2iz(a0);
}
unsigned __real___aeabi_d2uiz(double);
unsigned __wrap___aeabi_d2uiz(double a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_d2uiz(a0);
}
long long __real___aeabi_d2lz(double);
long long __wrap___aeabi_d2lz(double a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_d2lz(a0);
}
unsigned long long __real___aeabi_d2ulz(double);
unsigned long long __wrap___aeabi_d2ulz(double a0) {
  g_soft_float_calls = g_soft_float_calls + 1;
  return __real___aeabi_d2ulz(a0);
}
}
