/* The floor for the startup benchmark: a hand-written libbpf program that does what
 * `BEGIN { printf("hello, world\n"); exit(); }` needs — a ring buffer, one raw_tp program written
 * as raw BPF instructions, run once with BPF_PROG_TEST_RUN, its event printed. No compiler. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	fwrite(data, 1, size, stdout);
	return 0;
}

int main(void)
{
	static const char msg[16] = "hello, world\n";
	int rb = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, 1 << 20, NULL);
	if (rb < 0) {
		perror("bpf_map_create");
		return 1;
	}
	uint64_t w0, w1;
	memcpy(&w0, msg, 8);
	memcpy(&w1, msg + 8, 8);
	struct bpf_insn insns[] = {
		/* *(u64 *)(r10 - 16) = w0; *(u64 *)(r10 - 8) = w1 (via r1) */
		INSN(BPF_LD | BPF_DW | BPF_IMM, 1, 0, 0, (int32_t)(uint32_t)w0),
		INSN(0, 0, 0, 0, (int32_t)(uint32_t)(w0 >> 32)),
		INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -16, 0),
		INSN(BPF_LD | BPF_DW | BPF_IMM, 1, 0, 0, (int32_t)(uint32_t)w1),
		INSN(0, 0, 0, 0, (int32_t)(uint32_t)(w1 >> 32)),
		INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 0),
		/* r1 = map; r2 = r10 - 16; r3 = 13; r4 = 0; call bpf_ringbuf_output */
		INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, rb),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -16),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 13),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	int prog = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "hello", "GPL", insns, sizeof(insns) / sizeof(insns[0]),
				 NULL);
	if (prog < 0) {
		perror("bpf_prog_load");
		return 1;
	}
	struct ring_buffer *r = ring_buffer__new(rb, on_event, NULL, NULL);
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	if (!r || bpf_prog_test_run_opts(prog, &topts)) {
		perror("test_run");
		return 1;
	}
	ring_buffer__consume(r);
	ring_buffer__free(r);
	close(prog);
	close(rb);
	return 0;
}
