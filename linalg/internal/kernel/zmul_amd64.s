//go:build amd64

#include "textflag.h"

// Row i of dst is computed in column blocks of 8, 4 and 2 complex values
// (4, 2 and 1 ymm registers), each block accumulating over p < k.
// Complex product trick: for c += a·b with a = ar + i·ai,
// accumulate P += ar·[br, bi] and Q += ai·[br, bi] per complex pair with FMA,
// then c = P ∓ swap(Q) (VPERMILPD swaps re/im, VADDSUBPD subtracts in the
// real slot and adds in the imaginary one): [ar·br − ai·bi, ar·bi + ai·br].

// func zmulAVX2(dst, a, b *complex128, m, k, n int)
// dst (m x n) = a (m x k) · b (k x n), row-major, tightly packed.
// Requires m ≥ 1, k ≥ 1, n ≥ 2 and n even; CPU with AVX2 and FMA.
TEXT ·zmulAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ m+24(FP), R8
	MOVQ k+32(FP), R9
	MOVQ n+40(FP), R10
	SHLQ $4, R10 // bytes per row of b and dst
	MOVQ R9, R11
	SHLQ $4, R11 // bytes per row of a

row:
	XORQ R12, R12 // byte offset of column j
col8:
	LEAQ 128(R12), AX
	CMPQ AX, R10
	JGT col8_done
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ SI, CX
	LEAQ (DX)(R12*1), BX
	MOVQ R9, R13
col8_inner:
	VBROADCASTSD (CX), Y8
	VBROADCASTSD 8(CX), Y9
	VMOVUPD (BX), Y10
	VMOVUPD 32(BX), Y11
	VMOVUPD 64(BX), Y12
	VMOVUPD 96(BX), Y13
	VFMADD231PD Y10, Y8, Y0
	VFMADD231PD Y10, Y9, Y1
	VFMADD231PD Y11, Y8, Y2
	VFMADD231PD Y11, Y9, Y3
	VFMADD231PD Y12, Y8, Y4
	VFMADD231PD Y12, Y9, Y5
	VFMADD231PD Y13, Y8, Y6
	VFMADD231PD Y13, Y9, Y7
	ADDQ $16, CX
	ADDQ R10, BX
	DECQ R13
	JNZ col8_inner
	VPERMILPD $5, Y1, Y1
	VADDSUBPD Y1, Y0, Y0
	VMOVUPD Y0, (DI)(R12*1)
	VPERMILPD $5, Y3, Y3
	VADDSUBPD Y3, Y2, Y2
	VMOVUPD Y2, 32(DI)(R12*1)
	VPERMILPD $5, Y5, Y5
	VADDSUBPD Y5, Y4, Y4
	VMOVUPD Y4, 64(DI)(R12*1)
	VPERMILPD $5, Y7, Y7
	VADDSUBPD Y7, Y6, Y6
	VMOVUPD Y6, 96(DI)(R12*1)
	MOVQ AX, R12
	JMP col8
col8_done:
col4:
	LEAQ 64(R12), AX
	CMPQ AX, R10
	JGT col4_done
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ SI, CX
	LEAQ (DX)(R12*1), BX
	MOVQ R9, R13
col4_inner:
	VBROADCASTSD (CX), Y4
	VBROADCASTSD 8(CX), Y5
	VMOVUPD (BX), Y6
	VMOVUPD 32(BX), Y7
	VFMADD231PD Y6, Y4, Y0
	VFMADD231PD Y6, Y5, Y1
	VFMADD231PD Y7, Y4, Y2
	VFMADD231PD Y7, Y5, Y3
	ADDQ $16, CX
	ADDQ R10, BX
	DECQ R13
	JNZ col4_inner
	VPERMILPD $5, Y1, Y1
	VADDSUBPD Y1, Y0, Y0
	VMOVUPD Y0, (DI)(R12*1)
	VPERMILPD $5, Y3, Y3
	VADDSUBPD Y3, Y2, Y2
	VMOVUPD Y2, 32(DI)(R12*1)
	MOVQ AX, R12
	JMP col4
col4_done:
col2:
	LEAQ 32(R12), AX
	CMPQ AX, R10
	JGT col2_done
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	MOVQ SI, CX
	LEAQ (DX)(R12*1), BX
	MOVQ R9, R13
col2_inner:
	VBROADCASTSD (CX), Y2
	VBROADCASTSD 8(CX), Y3
	VMOVUPD (BX), Y4
	VFMADD231PD Y4, Y2, Y0
	VFMADD231PD Y4, Y3, Y1
	ADDQ $16, CX
	ADDQ R10, BX
	DECQ R13
	JNZ col2_inner
	VPERMILPD $5, Y1, Y1
	VADDSUBPD Y1, Y0, Y0
	VMOVUPD Y0, (DI)(R12*1)
	MOVQ AX, R12
	JMP col2
col2_done:
	ADDQ R11, SI
	ADDQ R10, DI
	DECQ R8
	JNZ row
	VZEROUPPER
	RET
