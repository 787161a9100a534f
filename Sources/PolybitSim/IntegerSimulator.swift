import Dispatch
import PolybitTensor

/// Statistics of one layer over a run.
public struct LayerStats: Sendable, Equatable, Codable {
    public var name: String
    /// The schema's op string.
    public var op: String
    /// Kernel path used (conv/linear) or `elementwise`.
    public var path: KernelPath
    /// Multiply-accumulates per image (conv/linear; 0 otherwise).
    public var macsPerImage: Int
    /// Accumulator overflows summed over all images.
    public var overflow: OverflowCounts

    enum CodingKeys: String, CodingKey {
        case name, op, path, overflow
        case macsPerImage = "macs_per_image"
    }
}

/// Result of running images through an integer model.
public struct SimulationOutput: Sendable {
    /// Model outputs, `count × outputShape.product`, row-major (image-major).
    public var outputs: [Int32]
    /// Number of images.
    public var count: Int
    /// Per-image shape of the output tensor.
    public var outputShape: [Int]
    /// One entry per layer, in execution order.
    public var layers: [LayerStats]
    /// Wall time of the run in seconds.
    public var seconds: Double

    /// Index of the largest output per image (ties: the lowest index), for classifiers.
    public var argmax: [Int] {
        let size = outputShape.reduce(1, *)
        return (0..<count).map { i in
            var best = 0
            for j in 1..<max(size, 1) where outputs[i * size + j] > outputs[i * size + best] { best = j }
            return best
        }
    }
}

/// Everything one layer saw and produced, for the images traced.
public struct LayerTrace: Sendable {
    public var layer: IntegerLayer
    /// One array per input tensor, `n × inputShapes[i]`.
    public var inputs: [[Int32]]
    /// Per-image shapes of the inputs.
    public var inputShapes: [[Int]]
    /// Requantization input T (`n × O × P` for conv/linear, `n × C × oH × oW` for pools), or nil
    /// for layers without an accumulator.
    public var accumulator: [Int64]?
    /// Σ(x − zp_x) per output position (`n × P`), present when the layer has bias correction.
    public var windowSum: [Int64]?
    /// Output, `n × outputShape`.
    public var output: [Int32]
    /// Per-image output shape.
    public var outputShape: [Int]
}

/// Runs an `IntegerModel` bit-accurately on batches of integer images.
///
/// Images are split between `config.threads` workers; each runs the whole network on `config.batch`
/// images at a time with single-threaded BLAS (one level of parallelism).
public final class IntegerSimulator: Sendable {
    public let model: IntegerModel
    public let config: SimulationConfig
    /// Per-image output shape of each layer, in layer order.
    public let outputShapes: [[Int]]
    /// Per-image input shapes of each layer.
    public let inputShapes: [[[Int]]]
    /// Kernel path of each layer.
    public let paths: [KernelPath]
    /// MACs per image of each layer.
    public let macsPerImage: [Int]
    let plans: [WeightedPlan?]
    let sources: [[Int]]  // tensor ids: 0 = model input, i + 1 = layer i
    let quant: [Quantization]  // per tensor id
    private let lastUse: [Int]  // per tensor id: last layer reading it

    /// Prepares plans; throws `IntegerModelError`/`InputError` for an invalid model or config.
    public init(model: IntegerModel, config: SimulationConfig = SimulationConfig()) throws {
        try config.validate()
        let shapes = try model.shapes()
        self.model = model; self.config = config
        var ids = [IntegerModel.inputName: 0]
        var quant = [model.input]
        var plans: [WeightedPlan?] = [], sources: [[Int]] = [], paths: [KernelPath] = [], macs: [Int] = []
        var ins: [[[Int]]] = [], outs: [[Int]] = []
        for (i, layer) in model.layers.enumerated() {
            let src = layer.inputs.map { ids[$0]! }
            let inShape = layer.inputs.map { shapes[$0]! }
            let outShape = shapes[layer.name]!
            var plan: WeightedPlan?
            switch layer.op {
            case .conv(let w), .linear(let w):
                var isConv = false
                if case .conv = layer.op { isConv = true }
                plan = try WeightedPlan(
                    w, inputShape: inShape[0], input: quant[src[0]], output: layer.output,
                    config: config, isConv: isConv)
                let rows = inShape[0].count == 2 ? inShape[0][0] : 1  // tokens of a per-token linear
                macs.append(plan!.outChannels * plan!.patchSize * plan!.positions * rows)
                paths.append(plan!.path)
            case .matmul:
                macs.append(outShape.reduce(1, *) * inShape[0][2])  // H·M·N outputs of K products
                paths.append(.integer)
            default:
                macs.append(0); paths.append(.elementwise)
            }
            plans.append(plan); sources.append(src); ins.append(inShape); outs.append(outShape)
            ids[layer.name] = i + 1
            quant.append(layer.output)
        }
        var last = [Int](repeating: -1, count: model.layers.count + 1)
        for (i, s) in sources.enumerated() { for t in s { last[t] = i } }
        last[model.layers.count] = Int.max
        self.plans = plans; self.sources = sources; self.paths = paths; self.macsPerImage = macs
        self.inputShapes = ins; self.outputShapes = outs; self.quant = quant; self.lastUse = last
    }

    /// Values per input image (`C·H·W`).
    public var inputSize: Int { model.inputShape.reduce(1, *) }
    /// Values per output image.
    public var outputSize: Int { outputShapes.last!.reduce(1, *) }

    /// Runs `count` images (`images` holds `count × C·H·W` integers in the input quantization's
    /// range). `progress(done, total)` is called on the calling thread between rounds.
    public func run(
        images: [Int32], count: Int,
        progress: ((Int, Int) -> Void)? = nil
    ) -> SimulationOutput {
        precondition(images.count >= count * inputSize, "need \(count) images of \(inputSize) values")
        let start = Clock.seconds()
        let savedBLAS = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = savedBLAS }
        let workers = max(1, config.threads)
        let scratches = (0..<workers).map { _ in Scratch() }
        var outputs = [Int32](repeating: 0, count: count * outputSize)
        var totals = [OverflowCounts](repeating: OverflowCounts(), count: model.layers.count)
        let round = workers * config.batch
        var done = 0
        images.withUnsafeBufferPointer { imgs in
            outputs.withUnsafeMutableBufferPointer { outBuf in
                while done < count {
                    let todo = min(round, count - done)
                    var counts = [[OverflowCounts]](repeating: totals.map { _ in OverflowCounts() }, count: workers)
                    let shared = UncheckedSendable((imgs.baseAddress!, outBuf.baseAddress!))
                    let first = done
                    counts.withUnsafeMutableBufferPointer { countsBuf in
                        let c = UncheckedSendable(countsBuf.baseAddress!)
                        let s = UncheckedSendable(scratches)
                        DispatchQueue.concurrentPerform(iterations: workers) { w in
                            let lo = first + todo * w / workers, hi = first + todo * (w + 1) / workers
                            guard lo < hi else { return }
                            let out = self.forward(
                                shared.value.0 + lo * self.inputSize, n: hi - lo,
                                scratch: s.value[w], counts: &c.value[w], trace: nil)
                            out.withUnsafeBufferPointer {
                                (shared.value.1 + lo * self.outputSize).update(from: $0.baseAddress!, count: $0.count)
                            }
                        }
                    }
                    for w in counts { for (i, v) in w.enumerated() { totals[i] += v } }
                    done += todo
                    progress?(done, count)
                }
            }
        }
        return SimulationOutput(
            outputs: outputs, count: count, outputShape: outputShapes.last!,
            layers: stats(totals), seconds: Clock.seconds() - start)
    }

    /// Runs `count` images on one thread and records every layer in `layers` (all when nil).
    public func trace(images: [Int32], count: Int, layers: Set<String>? = nil) -> (SimulationOutput, [LayerTrace]) {
        precondition(images.count >= count * inputSize, "need \(count) images of \(inputSize) values")
        let start = Clock.seconds()
        let savedBLAS = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = savedBLAS }
        var counts = [OverflowCounts](repeating: OverflowCounts(), count: model.layers.count)
        let sink = TraceSink(layers: layers)
        let out = images.withUnsafeBufferPointer {
            forward($0.baseAddress!, n: count, scratch: Scratch(), counts: &counts, trace: sink)
        }
        let result = SimulationOutput(
            outputs: out, count: count, outputShape: outputShapes.last!,
            layers: stats(counts), seconds: Clock.seconds() - start)
        return (result, sink.traces)
    }

    private func stats(_ counts: [OverflowCounts]) -> [LayerStats] {
        model.layers.indices.map { i in
            LayerStats(
                name: model.layers[i].name, op: model.layers[i].op.name, path: paths[i],
                macsPerImage: macsPerImage[i], overflow: counts[i])
        }
    }

    /// The whole network on `n` images; returns the last layer's output.
    private func forward(
        _ images: UnsafePointer<Int32>, n: Int, scratch: Scratch,
        counts: inout [OverflowCounts], trace: TraceSink?
    ) -> [Int32] {
        var tensors = [[Int32]?](repeating: nil, count: model.layers.count + 1)
        tensors[0] = Array(UnsafeBufferPointer(start: images, count: n * inputSize))
        for (li, layer) in model.layers.enumerated() {
            let src = sources[li]
            let size = n * outputShapes[li].reduce(1, *)
            let traced = trace?.wants(layer.name) ?? false
            let capture = traced && plans[li] != nil ? AccumulatorCapture() : nil
            var sums: [Int64]? = nil
            var out: [Int32]
            if case .flatten = layer.op {
                out = tensors[src[0]]!
            } else {
                out = [Int32](unsafeUninitializedCapacity: size) { buf, initialized in
                    let y = buf.baseAddress!
                    let x = tensors[src[0]]!
                    x.withUnsafeBufferPointer { xb in
                        let x = xb.baseAddress!
                        switch layer.op {
                        case .conv, .linear:
                            let s = inputShapes[li][0]
                            plans[li]!.run(
                                input: x, n: s.count == 2 ? n * s[0] : n, output: y, scratch: scratch,
                                counts: &counts[li], capture: capture)
                        case .add(let r):
                            tensors[src[1]]!.withUnsafeBufferPointer { bb in
                                ElementwiseKernels.add(
                                    x, quant[src[0]], bb.baseAddress!, quant[src[1]],
                                    count: size, rescale: r, output: layer.output,
                                    mode: config.requant, into: y)
                            }
                        case .relu:
                            ElementwiseKernels.clamp(
                                x, count: size, lo: Int32(layer.output.zeroPoint),
                                hi: Int32(layer.output.qmax), into: y)
                        case .clamp(let lo, let hi):
                            ElementwiseKernels.clamp(x, count: size, lo: Int32(lo), hi: Int32(hi), into: y)
                        case .maxpool(let w):
                            ElementwiseKernels.maxpool(x, n: n, shape: inputShapes[li][0], window: w, into: y)
                        case .avgpool(let w, let r):
                            pool(
                                x, li: li, n: n, window: w, requant: r, layer: layer, y: y, size: size,
                                traced: traced, sums: &sums)
                        case .globalAvgpool(let r):
                            let s = inputShapes[li][0]
                            pool(
                                x, li: li, n: n, window: PoolWindow(kernel: [s[1], s[2]], stride: [1, 1]),
                                requant: r, layer: layer, y: y, size: size, traced: traced, sums: &sums)
                        case .flatten:
                            break
                        default:
                            transformer(layer, li: li, x: x, n: n, tensors: tensors, scratch: scratch, into: y)
                        }
                    }
                    initialized = size
                }
            }
            if traced, let trace {
                trace.traces.append(
                    LayerTrace(
                        layer: layer, inputs: src.map { tensors[$0]! }, inputShapes: inputShapes[li],
                        accumulator: capture.map { $0.accumulator } ?? sums,
                        windowSum: capture.flatMap { $0.windowSum.isEmpty ? nil : $0.windowSum },
                        output: out, outputShape: outputShapes[li]))
            }
            tensors[li + 1] = out
            for t in src where lastUse[t] == li { tensors[t] = nil }
        }
        return tensors[model.layers.count]!
    }

    private func pool(
        _ x: UnsafePointer<Int32>, li: Int, n: Int, window: PoolWindow, requant: Requantization,
        layer: IntegerLayer, y: UnsafeMutablePointer<Int32>, size: Int, traced: Bool,
        sums: inout [Int64]?
    ) {
        var recorded = [Int64](repeating: 0, count: traced ? size : 0)
        recorded.withUnsafeMutableBufferPointer { s in
            ElementwiseKernels.avgpool(
                x, n: n, shape: inputShapes[li][0], window: window,
                input: quant[sources[li][0]], requant: requant, output: layer.output,
                mode: config.requant, into: y, sums: traced ? s.baseAddress : nil)
        }
        sums = traced ? recorded : nil
    }
}

/// Collects layer traces during one traced forward pass.
final class TraceSink {
    let layers: Set<String>?
    var traces: [LayerTrace] = []
    init(layers: Set<String>?) { self.layers = layers }
    func wants(_ name: String) -> Bool { layers?.contains(name) ?? true }
}
