#!/usr/bin/env python3
"""Regenerates the fleet's bundled data from the upstream trace files (Python 3 standard library only).

Usage: python3 fleet/tools/derive_data.py TRACES_DIR [OUT_DIR]

TRACES_DIR holds byte-for-byte copies of the upstream files, laid out as
  azure-llm-2023/AzureLLMInferenceTrace_conv.csv
  servegen/data/language/m-large/chunk-<client>-trace.csv
  vllm-bench-llm-k8s/<run dir>/<benchmark json>
OUT_DIR defaults to fleet/src/main/resources/dev/goodput/fleet. Each data folder's SOURCE.md says what
this script does to its inputs; the output is deterministic (same inputs, same bytes).
"""
import csv
import glob
import json
import os
import sys

AZURE_ROWS = 5000
SERVEGEN_TOP = 8
VLLM_RUNS = [
    # (output file, input file relative to vllm-bench-llm-k8s/)
    ("llama-3.3-70b-instruct.csv",
     "results_serving_meta-llama-Llama-3.3-70B-Instruct/01_tp8_pp1/"
     "serving_meta-llama-Llama-3.3-70B-Instruct_tp8_pp1_sharegpt_qps_04.json"),
    ("llama-3.3-70b-instruct-economy.csv",
     "results_serving_meta-llama-Llama-3.3-70B-Instruct/02_tp4_pp2_no_IB/"
     "serving_meta-llama-Llama-3.3-70B-Instruct_tp4_pp2_sharegpt_qps_16.json"),
    ("deepseek-v2.5.csv",
     "deepseek-v2.5/02_tp8_pp2_ib/serving_deepseek-ai-DeepSeek-V2.5_tp8_pp2_sharegpt_qps_04.json"),
]


def azure(traces, out):
    # The header and the first AZURE_ROWS rows, byte for byte (CRLF line ends kept).
    with open(os.path.join(traces, "azure-llm-2023", "AzureLLMInferenceTrace_conv.csv"), "rb") as f:
        lines = f.read().split(b"\n")
    kept = lines[: AZURE_ROWS + 1]
    assert all(line.endswith(b"\r") for line in kept)
    with open(os.path.join(out, "azure-llm-2023", "conv-first-5000.csv"), "wb") as f:
        f.write(b"\n".join(kept) + b"\n")


def servegen(traces, out):
    # Mean request rate of each client over all its 600-s windows (empty windows count as 0).
    pattern = os.path.join(traces, "servegen", "data", "language", "m-large", "chunk-*-trace.csv")
    means = {}
    for path in glob.glob(pattern):
        client = int(os.path.basename(path).split("-")[1])
        with open(path, newline="") as f:
            rates = [float(row[1]) for row in csv.reader(f) if row]
        means[client] = sum(rates) / len(rates)
    total = sum(means.values())
    top = sorted(means.items(), key=lambda kv: (-kv[1], kv[0]))[:SERVEGEN_TOP]
    with open(os.path.join(out, "servegen", "m-large-top8-clients.csv"), "w", newline="") as f:
        f.write("rank,client,mean_rate_rps,share_of_all_clients\n")
        for rank, (client, mean) in enumerate(top, 1):
            f.write(f"{rank},{client},{mean:.6f},{mean / total:.6f}\n")


def vllm(traces, out):
    # Per request: ttft_ms = ttfts * 1000; e2e_ms = (ttfts + sum(itls)) * 1000; 3 decimals (microseconds).
    for name, rel in VLLM_RUNS:
        with open(os.path.join(traces, "vllm-bench-llm-k8s", rel)) as f:
            d = json.load(f)
        assert d["completed"] == len(d["ttfts"]) and not any(d["errors"])
        with open(os.path.join(out, "vllm-bench", name), "w", newline="") as f:
            f.write("request,input_len,output_len,ttft_ms,e2e_ms\n")
            for i, (inp, outp, ttft, itls) in enumerate(
                zip(d["input_lens"], d["output_lens"], d["ttfts"], d["itls"])
            ):
                f.write(f"{i},{inp},{outp},{ttft * 1000:.3f},{(ttft + sum(itls)) * 1000:.3f}\n")


def main():
    traces = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        here, "..", "src", "main", "resources", "dev", "goodput", "fleet")
    for sub in ("azure-llm-2023", "servegen", "vllm-bench"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    azure(traces, out)
    servegen(traces, out)
    vllm(traces, out)


if __name__ == "__main__":
    main()
