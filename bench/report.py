"""The Markdown report of bench/run: derived figures (rates, GFLOP/s, % of peak, the ratio of
an epoch to its kernels' time) and the tables, from the measurements bench/run collects."""
import math


# ---- derived figures ----


def throughput(inference, batch, threads):
    return next(t["images_per_second"] for t in inference["throughput"]
                if t["batch"] == batch and t["threads"] == threads)


def kernel_seconds(run_, lanes, step, forward):
    """The time of the trainer's kernels alone over an epoch: each batch's groups of `lanes`
    split among the threads (the busiest thread's share), training steps for the training
    samples and forward passes for the validation ones."""
    def share(samples):
        return math.ceil(math.ceil(samples / lanes) / run_["threads"])
    full, rest = divmod(run_["train"], run_["batch"])
    steps = full * share(run_["batch"]) + (share(rest) if rest else 0)
    return steps * step + share(run_["validation"]) * forward


def n(x, digits=0):
    return f"{x:,.{digits}f}"


def table(header, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def peak_gflops(fma, threads):
    return fma["peak"]["gflops"][fma["threads"].index(threads)]


def mean(values):
    return sum(values) / len(values)


def summarize(r, fma):
    """The figures of a model that the summary and the targets use."""
    k = r["kernels"]
    trainer = next(x for x in k["results"] if x["lanes"] == k["trainer_lanes"])
    s = {"lanes": k["trainer_lanes"], "step_seconds": trainer["step_seconds"],
         "step_gflops": k["step_flops"] * trainer["lanes"] / trainer["step_seconds"] / 1e9}
    s["step_percent"] = 100 * s["step_gflops"] / peak_gflops(fma, 1)
    for run_ in r["cnnc"]:
        epoch = mean(run_["epoch_seconds"])
        run_["epoch"] = epoch
        run_["rate"] = run_["train"] / epoch
        run_["gflops"] = (run_["train"] * k["step_flops"]
                          + run_["validation"] * k["forward_flops"]) / epoch / 1e9
        run_["percent"] = 100 * run_["gflops"] / peak_gflops(fma, run_["threads"])
        run_["overhead"] = epoch / kernel_seconds(run_, trainer["lanes"], trainer["step_seconds"],
                                                  trainer["forward_seconds"])
    for run_ in r.get("torch", []):
        run_["epoch"] = mean(run_["epoch_seconds"])
        run_["rate"] = run_["train_samples"] / run_["epoch"]
    return s


def model_section(model, r, fma):
    k = r["kernels"]
    peak1 = peak_gflops(fma, 1)
    lines = [f"## {model} (`models/{model}.cnn`)", ""]
    lines += [f"{n(k['forward_flops'] / 1e6, 2)} MFLOP a sample forward, "
              f"{n(k['step_flops'] / 1e6, 2)} forward + backward (the generated `kLayers`' "
              f"counts).", ""]

    # Kernels: one column group per L.
    lines += ["### Kernels", "",
              f"One core, this thread's CPU time per group of L samples (best of 5 rounds); "
              f"% of the one-thread FMA peak ({n(peak1, 1)} GFLOP/s). L = {k['trainer_lanes']} "
              f"is the trainer's (`cnn::Trainer<Model>::kLanes`); *share* is the kernel's part "
              f"of the sum of the kernels there.", ""]
    results = sorted(k["results"], key=lambda x: (x["lanes"] != k["trainer_lanes"], x["lanes"]))
    header = ["kernel"]
    for res in results:
        header += [f"L={res['lanes']} µs", "GFLOP/s", "% peak"]
        if res["lanes"] == k["trainer_lanes"]:
            header.append("share")
    rows = []
    sums = [sum(x["seconds"] or 0 for x in res["kernels"]) for res in results]

    def cells(res, flops, seconds, total=None):
        if not seconds:
            return ["n/a", "", ""] + ([""] if total is not None else [])
        gflops = flops * res["lanes"] / seconds / 1e9
        out = [n(seconds * 1e6, 2), n(gflops, 1), n(100 * gflops / peak1, 1)]
        if total is not None:
            out.append(f"{n(100 * seconds / total, 1)}%" if total else "")
        return out

    for kernel in results[0]["kernels"]:
        row = [f"{kernel['layer']} {kernel['pass']}"]
        for res, total in zip(results, sums):
            match = next(x for x in res["kernels"]
                         if x["layer"] == kernel["layer"] and x["pass"] == kernel["pass"])
            row += cells(res, match["flops"], match["seconds"],
                         total if res["lanes"] == k["trainer_lanes"] else None)
        rows.append(row)
    for name, flops, key in (("**sum of the kernels**", k["step_flops"], None),
                             ("**forward pass** (evaluation)", k["forward_flops"],
                              "forward_seconds"),
                             ("**training step** (forward + backward)", k["step_flops"],
                              "step_seconds")):
        row = [name]
        for res, total in zip(results, sums):
            row += cells(res, flops, total if key is None else res[key],
                         0 if res["lanes"] == k["trainer_lanes"] else None)
        rows.append(row)
    lines += table(header, rows) + [""]

    # Training.
    first = r["cnnc"][0]
    lines += ["### Training", "",
              f"{n(first['train'])} training and {n(first['validation'])} validation samples an "
              f"epoch ({r['data_description']}), batch {first['batch']}, "
              f"{len(first['epoch_seconds'])} epoch{'s' if len(first['epoch_seconds']) > 1 else ''}"
              f" a run. Seconds per epoch as the epoch lines time them (the validation pass "
              f"included), samples/s = training samples / that. *Kernels alone*: the epoch's time "
              f"over its kernels' (the training steps and validation forward passes the busiest "
              f"thread runs, timed above). *CPU / wall*: the process's CPU time over its wall "
              f"time, about its thread count on a quiet machine, less when other processes "
              f"took the cores. PyTorch: the same network, data, initialisers, RMSprop, batch "
              f"and thread count (`bench/pytorch_bench.py`).", ""]
    rows = []
    for run_ in r["cnnc"]:
        rows.append(["cnnc", run_["threads"], n(run_["epoch"], 2), n(run_["rate"]),
                     f"{n(run_['gflops'], 1)} ({n(run_['percent'], 1)}%)",
                     f"{n(run_['overhead'], 2)}x", n(run_["cpu_use"], 2),
                     n(run_["rss_kib"] / 1024, 1)])
    for run_ in r.get("torch", []):
        rows.append(["PyTorch", run_["threads"], n(run_["epoch"], 2), n(run_["rate"]),
                     "", "", n(run_["cpu_use"], 2), n(run_["rss_kib"] / 1024, 1)])
    lines += table(["trainer", "threads", "s/epoch", "samples/s",
                    "GFLOP/s (% of peak)", "epoch / kernels alone", "CPU / wall",
                    "peak RSS MiB"], rows)
    if r.get("torch"):
        ratios = [f"{n(c['rate'] / t['rate'], 1)}x on {c['threads']} thread"
                  f"{'s' if c['threads'] > 1 else ''}" for c, t in zip(r["cnnc"], r["torch"])]
        lines += ["", f"cnnc / PyTorch, training samples/s: {', '.join(ratios)}."]
    lines += [""]

    # Inference.
    ci = r["cnnc_inference"]
    ti = r.get("torch_inference")
    lines += ["### Inference", "",
              f"cnnc: `cnn::Predictor` (`probabilities` for one image; `predict` in groups of "
              f"{ci['predictor_lanes']} lanes for a batch, one Predictor per thread). PyTorch: "
              f"evaluation mode under `torch.inference_mode()`, the softmax included. Wall time, "
              f"best of several rounds; the ratio is of speeds (above 1: cnnc is faster).", ""]
    rows = [["one image, 1 thread: µs", n(ci["latency_seconds"] * 1e6, 1)]
            + ([n(ti["latency_seconds"] * 1e6, 1),
                f"{n(ti['latency_seconds'] / ci['latency_seconds'], 1)}x"] if ti else [])]
    for tp in ci["throughput"]:
        row = [f"batch of {tp['batch']}, {tp['threads']} thread{'s' if tp['threads'] > 1 else ''}"
               f": images/s", n(tp["images_per_second"])]
        if ti:
            other = throughput(ti, tp["batch"], tp["threads"])
            row += [n(other), f"{n(tp['images_per_second'] / other, 1)}x"]
        rows.append(row)
    lines += table(["", "cnnc", "PyTorch", "cnnc / PyTorch"] if ti else ["", "cnnc"], rows)
    lines += [""]

    # Build.
    b = r["build"]
    lines += ["### Build", "",
              "`cnnc generate` (best of 5), the generated header, the trainer's compile time (its "
              "translation unit and link, one job, with the build's flags) and binary.", ""]
    lines += table(["generate s", "header", "trainer compile s", "trainer binary KiB"],
                   [[n(b["generate"], 3),
                     f"{n(b['header_lines'])} lines, {n(b['header_bytes'] / 1024)} KiB",
                     n(b["compile"], 1), n(b["binary_bytes"] / 1024)]], ["---:"] * 4)
    return lines + [""]


def report(info, fma, results, unroll=None):
    """The whole report. info: date, machine (CPU, cores, system), load (start, end), compiler,
    python, command, commit, note, threads and batches (of the runs)."""
    cpu, cores, system = info["machine"]
    lines = ["# cnnc benchmark", ""]
    header_rows = [
        ["date", info["date"]],
        ["machine", f"{cpu}, {cores} cores, {system}"],
        ["load average (1 min)", f"{info['load'][0]:.2f} at the start, "
                                 f"{info['load'][1]:.2f} at the end"],
        ["compiler", f"{info['compiler']}; CMake Release (-O3), -march=native"],
    ]
    torch_info = next((r["torch_inference"] for r in results.values() if "torch_inference" in r),
                      None)
    if torch_info:
        header_rows.append(["PyTorch", f"{torch_info['torch']} (`{info['python']}`), BLAS "
                                       f"`{torch_info['blas']}`"])
    header_rows += [["command", f"`{info['command']}`"], ["commit", info["commit"]]]
    lines += table(["", ""], header_rows, ["---", "---"])
    if info["note"]:
        lines += ["", info["note"]]
    lines += [""]

    # Summary.
    names = list(results)
    lines += ["## Summary", ""]
    widest, big = max(info["threads"]), max(info["batches"])
    t = f"{widest} thread{'s' if widest > 1 else ''}"

    def row(label, f):
        return [label] + [f(results[m]) for m in names]

    def at(runs, threads):
        return next(x for x in runs if x["threads"] == threads)

    rows = [
        row("parameters", lambda r: n(r["parameters"])),
        row("MFLOP a sample: forward; training step",
            lambda r: f"{n(r['kernels']['forward_flops'] / 1e6, 2)}; "
                      f"{n(r['kernels']['step_flops'] / 1e6, 2)}"),
        row(f"training step, one core, L={results[names[0]]['summary']['lanes']}: GFLOP/s "
            f"(% of peak)", lambda r: f"{n(r['summary']['step_gflops'], 1)} "
                                      f"({n(r['summary']['step_percent'], 1)}%)"),
        row(f"trainer, {t}: samples/s (s/epoch)",
            lambda r: f"{n(at(r['cnnc'], widest)['rate'])} "
                      f"({n(at(r['cnnc'], widest)['epoch'], 2)} s)"),
        row(f"trainer, {t}: GFLOP/s (% of the {t} peak)",
            lambda r: f"{n(at(r['cnnc'], widest)['gflops'], 1)} "
                      f"({n(at(r['cnnc'], widest)['percent'], 1)}%)"),
        row("trainer epoch / its kernels alone, per thread count",
            lambda r: ", ".join(f"{n(x['overhead'], 2)}x" for x in r["cnnc"])),
    ]
    if all("torch" in results[m] for m in names):
        rows += [
            row(f"PyTorch, {t}: samples/s", lambda r: n(at(r["torch"], widest)["rate"])),
            row("**cnnc / PyTorch, training**, per thread count",
                lambda r: ", ".join(f"**{n(c['rate'] / p['rate'], 1)}x**"
                                    for c, p in zip(r["cnnc"], r["torch"]))),
            row("batch-1 latency µs: cnnc; PyTorch",
                lambda r: f"{n(r['cnnc_inference']['latency_seconds'] * 1e6, 1)}; "
                          f"{n(r['torch_inference']['latency_seconds'] * 1e6, 1)}"),
            row(f"inference, batch {big}, {t}: images/s cnnc; PyTorch",
                lambda r: f"{n(throughput(r['cnnc_inference'], big, widest))}; "
                          f"{n(throughput(r['torch_inference'], big, widest))}"),
        ]
    else:
        rows += [row("batch-1 latency µs",
                     lambda r: n(r["cnnc_inference"]["latency_seconds"] * 1e6, 1)),
                 row(f"inference, batch {big}, {t}: images/s",
                     lambda r: n(throughput(r["cnnc_inference"], big, widest)))]
    rows += [
        row("trainer peak RSS MiB (1 thread; " + t + ")",
            lambda r: "; ".join(n(x["rss_kib"] / 1024, 1) for x in r["cnnc"])),
        row("generate s; trainer compile s; binary KiB",
            lambda r: f"{n(r['build']['generate'], 3)}; {n(r['build']['compile'], 1)}; "
                      f"{n(r['build']['binary_bytes'] / 1024)}"),
    ]
    lines += table([""] + names, rows) + [""]

    if "cifar10" in results:
        r = results["cifar10"]
        w = at(r["cnnc"], widest)
        rows = [["trains at ≥ 50% of the FMA peak",
                 f"{n(w['percent'], 1)}% of the {t} peak ({n(w['gflops'], 1)} GFLOP/s); the "
                 f"training step alone {n(r['summary']['step_percent'], 1)}% of one core's",
                 "yes" if w["percent"] >= 50 else "**no**"]]
        if "torch" in r:
            ratios = {c["threads"]: c["rate"] / p["rate"] for c, p in zip(r["cnnc"], r["torch"])}
            rows.append(["≥ 3x PyTorch, same run",
                         ", ".join(f"{n(x, 1)}x on {c} thread{'s' if c > 1 else ''}"
                                   for c, x in ratios.items()),
                         f"{'yes' if ratios[widest] >= 3 else '**no**'} on {t}"])
        rows.append(["trainer compiles in ≤ 60 s", f"{n(r['build']['compile'], 1)} s",
                     "yes" if r["build"]["compile"] <= 60 else "**no**"])
        worst = max(x["overhead"] for x in r["cnnc"])
        rows.append(["epoch ≤ 1.15x its kernels' time",
                     ", ".join(f"{n(x['overhead'], 2)}x on {x['threads']}" for x in r["cnnc"]),
                     "yes" if worst <= 1.15 else "**no**"])
        lines += ["## The targets of issue 12 (cifar10)", ""]
        lines += table(["target", "measured", "met"], rows, ["---", "---", "---"]) + [""]

    # FMA peak.
    lines += ["## FMA peak", "",
              f"`bench_fma_peak`: {fma['chains']} independent chains of float FMAs a thread, "
              f"each thread timed in its own CPU time, best of 5 rounds.", ""]
    rows = []
    for w in fma["widths"]:
        rows.append([f"{w['bits']}-bit", w["isa"]]
                    + [n(g, 1) for g in w["gflops"]] + [n(w["fma_per_s"][0] / 1e9, 2)])
    lines += table(["width", "instructions"]
                   + [f"GFLOP/s, {c} thread{'s' if c > 1 else ''}" for c in fma["threads"]]
                   + ["FMA/ns, 1 thread"], rows,
                   ["---", "---"] + ["---:"] * (len(fma["threads"]) + 1))
    lines += ["", f"The peak of the % figures: {fma['peak']['bits']}-bit FMAs, the widest at full "
                  f"rate per instruction: "
              + ", ".join(f"{n(g, 1)} GFLOP/s on {c} thread{'s' if c > 1 else ''}"
                          for c, g in zip(fma["threads"], fma["peak"]["gflops"])) + ".", ""]

    for model in names:
        lines += model_section(model, results[model], fma)

    if unroll:
        threads, rows = unroll
        lines += ["## Unroll policies (mnist)", "",
                  f"`cnnc generate --unroll N`, the trainer compiled with `-O3 -march=native` "
                  f"(one job), 1 epoch of 50,000 + 10,000 samples on {threads} threads.", ""]
        lines += table(["--unroll", "header lines", "generate s", "compile s", "binary KiB",
                        "samples/s"],
                       [[p, n(li), n(g, 3), n(c, 1), n(b / 1024), n(s)]
                        for p, li, g, c, b, s in rows])
        lines += [""]
    return "\n".join(lines)

