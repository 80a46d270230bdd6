// src/backends/cpu/lapack_routines.h — LAPACK's Fortran entry points, as OpenBLAS exports them. The
// routines whose arguments agree across the four element types have one overload set here (getrf,
// geqrf, orgqr/ungqr, getri, getrs, potrf, gtsv), so kernels are written once; those whose real and complex
// forms take different arguments (syevd/heevd, gesdd, geev, gees) are called by name in lapack.cpp.
//
// Debian ships no LAPACKE with OpenBLAS, so these are the Fortran symbols: every argument by pointer,
// and for each CHARACTER argument a hidden length appended by value (gfortran's convention; leaving
// it out is undefined behaviour that breaks with tail-call optimized LAPACK builds).
#pragma once

#include <complex>
#include <cstddef>

namespace jx::cpu::lapack {

using c64 = std::complex<float>;
using c128 = std::complex<double>;
using Len = std::size_t;  // the hidden length of a CHARACTER*1 argument

extern "C" {
void sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void cgetrf_(const int* m, const int* n, c64* a, const int* lda, int* ipiv, int* info);
void zgetrf_(const int* m, const int* n, c128* a, const int* lda, int* ipiv, int* info);

void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work, const int* lwork,
             int* info);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work, const int* lwork,
             int* info);
void cgeqrf_(const int* m, const int* n, c64* a, const int* lda, c64* tau, c64* work, const int* lwork, int* info);
void zgeqrf_(const int* m, const int* n, c128* a, const int* lda, c128* tau, c128* work, const int* lwork, int* info);

void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau, float* work,
             const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau, double* work,
             const int* lwork, int* info);
void cungqr_(const int* m, const int* n, const int* k, c64* a, const int* lda, const c64* tau, c64* work,
             const int* lwork, int* info);
void zungqr_(const int* m, const int* n, const int* k, c128* a, const int* lda, const c128* tau, c128* work,
             const int* lwork, int* info);

void spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info, Len);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, Len);
void cpotrf_(const char* uplo, const int* n, c64* a, const int* lda, int* info, Len);
void zpotrf_(const char* uplo, const int* n, c128* a, const int* lda, int* info, Len);

void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w, float* work,
             const int* lwork, int* iwork, const int* liwork, int* info, Len, Len);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info, Len, Len);
void cheevd_(const char* jobz, const char* uplo, const int* n, c64* a, const int* lda, float* w, c64* work,
             const int* lwork, float* rwork, const int* lrwork, int* iwork, const int* liwork, int* info, Len, Len);
void zheevd_(const char* jobz, const char* uplo, const int* n, c128* a, const int* lda, double* w, c128* work,
             const int* lwork, double* rwork, const int* lrwork, int* iwork, const int* liwork, int* info, Len, Len);

void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s, float* u, const int* ldu,
             float* vt, const int* ldvt, float* work, const int* lwork, int* iwork, int* info, Len);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork, int* info, Len);
void cgesdd_(const char* jobz, const int* m, const int* n, c64* a, const int* lda, float* s, c64* u, const int* ldu,
             c64* vt, const int* ldvt, c64* work, const int* lwork, float* rwork, int* iwork, int* info, Len);
void zgesdd_(const char* jobz, const int* m, const int* n, c128* a, const int* lda, double* s, c128* u, const int* ldu,
             c128* vt, const int* ldvt, c128* work, const int* lwork, double* rwork, int* iwork, int* info, Len);

void sgeev_(const char* jobvl, const char* jobvr, const int* n, float* a, const int* lda, float* wr, float* wi,
            float* vl, const int* ldvl, float* vr, const int* ldvr, float* work, const int* lwork, int* info, Len, Len);
void dgeev_(const char* jobvl, const char* jobvr, const int* n, double* a, const int* lda, double* wr, double* wi,
            double* vl, const int* ldvl, double* vr, const int* ldvr, double* work, const int* lwork, int* info, Len,
            Len);
void cgeev_(const char* jobvl, const char* jobvr, const int* n, c64* a, const int* lda, c64* w, c64* vl,
            const int* ldvl, c64* vr, const int* ldvr, c64* work, const int* lwork, float* rwork, int* info, Len, Len);
void zgeev_(const char* jobvl, const char* jobvr, const int* n, c128* a, const int* lda, c128* w, c128* vl,
            const int* ldvl, c128* vr, const int* ldvr, c128* work, const int* lwork, double* rwork, int* info, Len,
            Len);

using SelectReal = int (*)(const float*, const float*);
using SelectDouble = int (*)(const double*, const double*);
using SelectC64 = int (*)(const c64*);
using SelectC128 = int (*)(const c128*);
void sgees_(const char* jobvs, const char* sort, SelectReal select, const int* n, float* a, const int* lda, int* sdim,
            float* wr, float* wi, float* vs, const int* ldvs, float* work, const int* lwork, int* bwork, int* info, Len,
            Len);
void dgees_(const char* jobvs, const char* sort, SelectDouble select, const int* n, double* a, const int* lda,
            int* sdim, double* wr, double* wi, double* vs, const int* ldvs, double* work, const int* lwork, int* bwork,
            int* info, Len, Len);
void cgees_(const char* jobvs, const char* sort, SelectC64 select, const int* n, c64* a, const int* lda, int* sdim,
            c64* w, c64* vs, const int* ldvs, c64* work, const int* lwork, float* rwork, int* bwork, int* info, Len,
            Len);
void zgees_(const char* jobvs, const char* sort, SelectC128 select, const int* n, c128* a, const int* lda, int* sdim,
            c128* w, c128* vs, const int* ldvs, c128* work, const int* lwork, double* rwork, int* bwork, int* info, Len,
            Len);

void sgetrs_(const char* trans, const int* n, const int* nrhs, const float* a, const int* lda, const int* ipiv,
             float* b, const int* ldb, int* info, Len);
void dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda, const int* ipiv,
             double* b, const int* ldb, int* info, Len);
void cgetrs_(const char* trans, const int* n, const int* nrhs, const c64* a, const int* lda, const int* ipiv, c64* b,
             const int* ldb, int* info, Len);
void zgetrs_(const char* trans, const int* n, const int* nrhs, const c128* a, const int* lda, const int* ipiv, c128* b,
             const int* ldb, int* info, Len);

void sgetri_(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork, int* info);
void dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work, const int* lwork, int* info);
void cgetri_(const int* n, c64* a, const int* lda, const int* ipiv, c64* work, const int* lwork, int* info);
void zgetri_(const int* n, c128* a, const int* lda, const int* ipiv, c128* work, const int* lwork, int* info);

void sgtsv_(const int* n, const int* nrhs, float* dl, float* d, float* du, float* b, const int* ldb, int* info);
void dgtsv_(const int* n, const int* nrhs, double* dl, double* d, double* du, double* b, const int* ldb, int* info);
void cgtsv_(const int* n, const int* nrhs, c64* dl, c64* d, c64* du, c64* b, const int* ldb, int* info);
void zgtsv_(const int* n, const int* nrhs, c128* dl, c128* d, c128* du, c128* b, const int* ldb, int* info);
}

// --- One name per routine --------------------------------------------------------------------------

inline void getrf(int m, int n, float* a, int lda, int* ipiv, int* info) { sgetrf_(&m, &n, a, &lda, ipiv, info); }
inline void getrf(int m, int n, double* a, int lda, int* ipiv, int* info) { dgetrf_(&m, &n, a, &lda, ipiv, info); }
inline void getrf(int m, int n, c64* a, int lda, int* ipiv, int* info) { cgetrf_(&m, &n, a, &lda, ipiv, info); }
inline void getrf(int m, int n, c128* a, int lda, int* ipiv, int* info) { zgetrf_(&m, &n, a, &lda, ipiv, info); }

inline void geqrf(int m, int n, float* a, int lda, float* tau, float* work, int lwork, int* info) {
  sgeqrf_(&m, &n, a, &lda, tau, work, &lwork, info);
}
inline void geqrf(int m, int n, double* a, int lda, double* tau, double* work, int lwork, int* info) {
  dgeqrf_(&m, &n, a, &lda, tau, work, &lwork, info);
}
inline void geqrf(int m, int n, c64* a, int lda, c64* tau, c64* work, int lwork, int* info) {
  cgeqrf_(&m, &n, a, &lda, tau, work, &lwork, info);
}
inline void geqrf(int m, int n, c128* a, int lda, c128* tau, c128* work, int lwork, int* info) {
  zgeqrf_(&m, &n, a, &lda, tau, work, &lwork, info);
}

// orgqr for real types, ungqr for complex ones: the same computation.
inline void orgqr(int m, int n, int k, float* a, int lda, const float* tau, float* work, int lwork, int* info) {
  sorgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
inline void orgqr(int m, int n, int k, double* a, int lda, const double* tau, double* work, int lwork, int* info) {
  dorgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
inline void orgqr(int m, int n, int k, c64* a, int lda, const c64* tau, c64* work, int lwork, int* info) {
  cungqr_(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
inline void orgqr(int m, int n, int k, c128* a, int lda, const c128* tau, c128* work, int lwork, int* info) {
  zungqr_(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}

// Solves op(A) X = B with A's factors from getrf; trans 'N', 'T' or 'C' (conjugate transpose).
inline void getrs(char trans, int n, int nrhs, const float* a, int lda, const int* ipiv, float* b, int ldb, int* info) {
  sgetrs_(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);
}
inline void getrs(char trans, int n, int nrhs, const double* a, int lda, const int* ipiv, double* b, int ldb,
                  int* info) {
  dgetrs_(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);
}
inline void getrs(char trans, int n, int nrhs, const c64* a, int lda, const int* ipiv, c64* b, int ldb, int* info) {
  cgetrs_(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);
}
inline void getrs(char trans, int n, int nrhs, const c128* a, int lda, const int* ipiv, c128* b, int ldb, int* info) {
  zgetrs_(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);
}

inline void getri(int n, float* a, int lda, const int* ipiv, float* work, int lwork, int* info) {
  sgetri_(&n, a, &lda, ipiv, work, &lwork, info);
}
inline void getri(int n, double* a, int lda, const int* ipiv, double* work, int lwork, int* info) {
  dgetri_(&n, a, &lda, ipiv, work, &lwork, info);
}
inline void getri(int n, c64* a, int lda, const int* ipiv, c64* work, int lwork, int* info) {
  cgetri_(&n, a, &lda, ipiv, work, &lwork, info);
}
inline void getri(int n, c128* a, int lda, const int* ipiv, c128* work, int lwork, int* info) {
  zgetri_(&n, a, &lda, ipiv, work, &lwork, info);
}

inline void potrf(char uplo, int n, float* a, int lda, int* info) { spotrf_(&uplo, &n, a, &lda, info, 1); }
inline void potrf(char uplo, int n, double* a, int lda, int* info) { dpotrf_(&uplo, &n, a, &lda, info, 1); }
inline void potrf(char uplo, int n, c64* a, int lda, int* info) { cpotrf_(&uplo, &n, a, &lda, info, 1); }
inline void potrf(char uplo, int n, c128* a, int lda, int* info) { zpotrf_(&uplo, &n, a, &lda, info, 1); }

inline void gtsv(int n, int nrhs, float* dl, float* d, float* du, float* b, int ldb, int* info) {
  sgtsv_(&n, &nrhs, dl, d, du, b, &ldb, info);
}
inline void gtsv(int n, int nrhs, double* dl, double* d, double* du, double* b, int ldb, int* info) {
  dgtsv_(&n, &nrhs, dl, d, du, b, &ldb, info);
}
inline void gtsv(int n, int nrhs, c64* dl, c64* d, c64* du, c64* b, int ldb, int* info) {
  cgtsv_(&n, &nrhs, dl, d, du, b, &ldb, info);
}
inline void gtsv(int n, int nrhs, c128* dl, c128* d, c128* du, c128* b, int ldb, int* info) {
  zgtsv_(&n, &nrhs, dl, d, du, b, &ldb, info);
}

}  // namespace jx::cpu::lapack
