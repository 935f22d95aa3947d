// ONNX Runtime's forward pass of an exported model, timed the way pipeline_timing --forward times ours:
// CPU execution provider, all graph optimisations, the given intra-op threads, warm-up runs first, then the
// median per image. Prints one line per batch size: "ort batch N: X ms per image".
// Usage: node bench/ort_forward.js MODEL.onnx [--threads 2] [--repeat 10] [--batches 1,8]
// onnxruntime-node is looked up from ORT_NODE_MODULES (a node_modules folder), then node's own paths;
// exit status 3 when it is missing.
"use strict";

const path = require("path");

function loadOrt() {
    const places = [];
    if (process.env.ORT_NODE_MODULES)
        places.push(path.join(process.env.ORT_NODE_MODULES, "onnxruntime-node"));
    places.push("onnxruntime-node");
    for (const place of places) {
        try {
            return require(place);
        } catch (e) {
            // the next place
        }
    }
    console.error("onnxruntime-node is not installed: npm install --prefix DIR onnxruntime-node "
                  + "--ignore-scripts, then set ORT_NODE_MODULES=DIR/node_modules");
    process.exit(3);
}

function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
    const args = process.argv.slice(2);
    const option = (name, fallback) => {
        const i = args.indexOf(name);
        return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
    };
    const model = args[0];
    if (!model) {
        console.error("usage: node ort_forward.js MODEL.onnx [--threads 2] [--repeat 10] [--batches 1,8]");
        process.exit(1);
    }
    const threads = Number(option("--threads", "2"));
    const repeat = Number(option("--repeat", "10"));
    const batches = option("--batches", "1,8").split(",").map(Number);
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(model, {
        executionProviders: ["cpu"],
        graphOptimizationLevel: "all",
        executionMode: "sequential",
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
    });
    const version = ort.env && ort.env.versions ? ort.env.versions.common : "?";
    console.log(`ort version: ${version}, threads ${threads}`);
    const inputName = session.inputNames[0];
    for (const batch of batches) {
        // A fixed pseudo-random input in the normalised range (the time does not depend on the values).
        const data = new Float32Array(batch * 3 * 224 * 224);
        let state = 12345;
        for (let i = 0; i < data.length; ++i) {
            state = (state * 1103515245 + 12345) % 2147483648;
            data[i] = state / 2147483648 * 4 - 2;
        }
        const feeds = {[inputName]: new ort.Tensor("float32", data, [batch, 3, 224, 224])};
        for (let i = 0; i < 2; ++i)
            await session.run(feeds);
        const times = [];
        for (let i = 0; i < repeat; ++i) {
            const start = process.hrtime.bigint();
            await session.run(feeds);
            times.push(Number(process.hrtime.bigint() - start) / 1e6 / batch);
        }
        console.log(`ort batch ${batch}: ${median(times).toFixed(2)} ms per image`);
    }
}

main().catch((e) => {
    console.error(String(e));
    process.exit(2);
});
