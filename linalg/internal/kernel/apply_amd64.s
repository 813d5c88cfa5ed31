//go:build amd64

#include "textflag.h"

// In-place application of a 1- or 2-qubit gate to strided groups of
// complex128 values (see apply.go in linalg for the index layout). Same
// complex trick as zmul_amd64.s: with g = gr + i·gi, g·v = gr·v ∓ swap(gi·v)
// where VADDSUBPD subtracts in the real slot and adds in the imaginary one.

// func apply1AVX2(x *complex128, n, s int, gm *[8]float64)
// For every block of 2s values: (a, b) ← (g00·a + g01·b, g10·a + g11·b) for
// a = x[blk+i], b = x[blk+s+i], i < s. g holds re, im of g00, g01, g10, g11.
// Requires s ≥ 2 even and n a positive multiple of 2s.
TEXT ·apply1AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ s+16(FP), DX
	MOVQ gm+24(FP), SI
	VBROADCASTSD 0(SI), Y6
	VBROADCASTSD 8(SI), Y7
	VBROADCASTSD 16(SI), Y8
	VBROADCASTSD 24(SI), Y9
	VBROADCASTSD 32(SI), Y10
	VBROADCASTSD 40(SI), Y11
	VBROADCASTSD 48(SI), Y12
	VBROADCASTSD 56(SI), Y13
	SHLQ $4, DX
	SHLQ $4, CX
	LEAQ (DI)(CX*1), R8

a1block:
	CMPQ DI, R8
	JGE a1done
	LEAQ (DI)(DX*1), R9
	MOVQ DI, AX

a1pair:
	VMOVUPD (AX), Y0
	VMOVUPD (AX)(DX*1), Y1
	VMULPD Y0, Y6, Y2
	VFMADD231PD Y1, Y8, Y2
	VMULPD Y0, Y7, Y3
	VFMADD231PD Y1, Y9, Y3
	VMULPD Y0, Y10, Y4
	VFMADD231PD Y1, Y12, Y4
	VMULPD Y0, Y11, Y5
	VFMADD231PD Y1, Y13, Y5
	VPERMILPD $5, Y3, Y3
	VPERMILPD $5, Y5, Y5
	VADDSUBPD Y3, Y2, Y2
	VADDSUBPD Y5, Y4, Y4
	VMOVUPD Y2, (AX)
	VMOVUPD Y4, (AX)(DX*1)
	ADDQ $32, AX
	CMPQ AX, R9
	JLT a1pair
	LEAQ (DI)(DX*2), DI
	JMP a1block

a1done:
	VZEROUPPER
	RET

// func apply2AVX2(x *complex128, n, s0, s1 int, gm *[32][4]float64)
// For every group with both stride bits clear, (v0, v1, v2, v3) at offsets
// (0, s1, s0, s0+s1) ← G·(v0, v1, v2, v3). g[2(4i+j)] holds re(G_ij) and
// g[2(4i+j)+1] im(G_ij), each broadcast to four lanes.
// Requires min(s0, s1) ≥ 2 even, s0 ≠ s1 powers of two (times a common
// factor), and n a positive multiple of 2·max(s0, s1).
TEXT ·apply2AVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ s0+16(FP), R10
	MOVQ s1+24(FP), R11
	MOVQ gm+32(FP), SI
	SHLQ $4, CX
	SHLQ $4, R10
	SHLQ $4, R11
	LEAQ (R10)(R11*1), R8
	MOVQ R10, R12
	MOVQ R11, R13
	CMPQ R10, R11
	JGE a2ordered
	MOVQ R11, R12
	MOVQ R10, R13

a2ordered:
	ADDQ DI, CX

a2outer:
	CMPQ DI, CX
	JGE a2done
	MOVQ DI, AX
	LEAQ (DI)(R12*1), BX

a2mid:
	MOVQ AX, DX
	LEAQ (AX)(R13*1), R9

a2inner:
	VMOVUPD (DX), Y0
	VMOVUPD (DX)(R11*1), Y1
	VMOVUPD (DX)(R10*1), Y2
	VMOVUPD (DX)(R8*1), Y3
	VMULPD 0(SI), Y0, Y4
	VMULPD 32(SI), Y0, Y5
	VFMADD231PD 64(SI), Y1, Y4
	VFMADD231PD 96(SI), Y1, Y5
	VFMADD231PD 128(SI), Y2, Y4
	VFMADD231PD 160(SI), Y2, Y5
	VFMADD231PD 192(SI), Y3, Y4
	VFMADD231PD 224(SI), Y3, Y5
	VMULPD 256(SI), Y0, Y6
	VMULPD 288(SI), Y0, Y7
	VFMADD231PD 320(SI), Y1, Y6
	VFMADD231PD 352(SI), Y1, Y7
	VFMADD231PD 384(SI), Y2, Y6
	VFMADD231PD 416(SI), Y2, Y7
	VFMADD231PD 448(SI), Y3, Y6
	VFMADD231PD 480(SI), Y3, Y7
	VMULPD 512(SI), Y0, Y8
	VMULPD 544(SI), Y0, Y9
	VFMADD231PD 576(SI), Y1, Y8
	VFMADD231PD 608(SI), Y1, Y9
	VFMADD231PD 640(SI), Y2, Y8
	VFMADD231PD 672(SI), Y2, Y9
	VFMADD231PD 704(SI), Y3, Y8
	VFMADD231PD 736(SI), Y3, Y9
	VMULPD 768(SI), Y0, Y10
	VMULPD 800(SI), Y0, Y11
	VFMADD231PD 832(SI), Y1, Y10
	VFMADD231PD 864(SI), Y1, Y11
	VFMADD231PD 896(SI), Y2, Y10
	VFMADD231PD 928(SI), Y2, Y11
	VFMADD231PD 960(SI), Y3, Y10
	VFMADD231PD 992(SI), Y3, Y11
	VPERMILPD $5, Y5, Y5
	VADDSUBPD Y5, Y4, Y4
	VMOVUPD Y4, (DX)
	VPERMILPD $5, Y7, Y7
	VADDSUBPD Y7, Y6, Y6
	VMOVUPD Y6, (DX)(R11*1)
	VPERMILPD $5, Y9, Y9
	VADDSUBPD Y9, Y8, Y8
	VMOVUPD Y8, (DX)(R10*1)
	VPERMILPD $5, Y11, Y11
	VADDSUBPD Y11, Y10, Y10
	VMOVUPD Y10, (DX)(R8*1)
	ADDQ $32, DX
	CMPQ DX, R9
	JLT a2inner
	LEAQ (AX)(R13*2), AX
	CMPQ AX, BX
	JLT a2mid
	LEAQ (DI)(R12*2), DI
	JMP a2outer

a2done:
	VZEROUPPER
	RET

// func apply1s1AVX2(x *complex128, n int, gm *[4][4]float64)
// Stride 1: each ymm holds a pair (a, b) = (x[i], x[i+1]). With the lanes
// swapped (b, a): new = D⊙(a, b) + O⊙(b, a), D = (g00, g11), O = (g01, g10);
// gm holds re(D), im(D), re(O), im(O), each laid out per complex slot.
// Requires n a positive even number.
TEXT ·apply1s1AVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ gm+16(FP), SI
	VMOVUPD 0(SI), Y6
	VMOVUPD 32(SI), Y7
	VMOVUPD 64(SI), Y8
	VMOVUPD 96(SI), Y9
	SHLQ $4, CX
	ADDQ DI, CX

s1loop:
	CMPQ DI, CX
	JGE s1done
	VMOVUPD (DI), Y0
	VPERMPD $0x4E, Y0, Y1
	VMULPD Y0, Y6, Y2
	VFMADD231PD Y1, Y8, Y2
	VMULPD Y0, Y7, Y3
	VFMADD231PD Y1, Y9, Y3
	VPERMILPD $5, Y3, Y3
	VADDSUBPD Y3, Y2, Y2
	VMOVUPD Y2, (DI)
	ADDQ $32, DI
	JMP s1loop

s1done:
	VZEROUPPER
	RET

// func apply2s1AVX2(x *complex128, n, hi int, gm *[16][4]float64)
// Two-qubit gate whose second qubit has stride 1 and first stride hi: a
// group is U = (x[i], x[i+1]) and W = (x[i+hi], x[i+hi+1]). Output pair
// (rows r, r+1), r = 0 then 2, is C_U⊙U + C_U'⊙swap(U) + C_W⊙W + C_W'⊙swap(W);
// gm[8·(r/2) + 2t] and gm[8·(r/2) + 2t + 1] hold re and im of the t-th
// coefficient vector (U, swap U, W, swap W). Requires hi ≥ 2 even and n a
// positive multiple of 2·hi.
TEXT ·apply2s1AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ hi+16(FP), R12
	MOVQ gm+24(FP), SI
	SHLQ $4, CX
	SHLQ $4, R12
	ADDQ DI, CX

q1outer:
	CMPQ DI, CX
	JGE q1done
	MOVQ DI, DX
	LEAQ (DI)(R12*1), R9

q1inner:
	VMOVUPD (DX), Y0
	VMOVUPD (DX)(R12*1), Y2
	VPERMPD $0x4E, Y0, Y1
	VPERMPD $0x4E, Y2, Y3
	VMULPD 0(SI), Y0, Y4
	VMULPD 32(SI), Y0, Y5
	VFMADD231PD 64(SI), Y1, Y4
	VFMADD231PD 96(SI), Y1, Y5
	VFMADD231PD 128(SI), Y2, Y4
	VFMADD231PD 160(SI), Y2, Y5
	VFMADD231PD 192(SI), Y3, Y4
	VFMADD231PD 224(SI), Y3, Y5
	VMULPD 256(SI), Y0, Y6
	VMULPD 288(SI), Y0, Y7
	VFMADD231PD 320(SI), Y1, Y6
	VFMADD231PD 352(SI), Y1, Y7
	VFMADD231PD 384(SI), Y2, Y6
	VFMADD231PD 416(SI), Y2, Y7
	VFMADD231PD 448(SI), Y3, Y6
	VFMADD231PD 480(SI), Y3, Y7
	VPERMILPD $5, Y5, Y5
	VADDSUBPD Y5, Y4, Y4
	VPERMILPD $5, Y7, Y7
	VADDSUBPD Y7, Y6, Y6
	VMOVUPD Y4, (DX)
	VMOVUPD Y6, (DX)(R12*1)
	ADDQ $32, DX
	CMPQ DX, R9
	JLT q1inner
	LEAQ (DI)(R12*2), DI
	JMP q1outer

q1done:
	VZEROUPPER
	RET
