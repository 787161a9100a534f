import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

/// HASB's sensitivity of each layer: the trace of the Hessian of the cross-entropy with respect to
/// the layer's weights, estimated by `HutchinsonTrace` on the float network (the quantizers at
/// float) over a fixed set of training images.
public enum LayerHessianTraces {
    /// Probes of each estimate.
    public static let probes = 8
    /// The finite-difference step, as a share of the root mean square of all the layers' weights.
    public static let relativeStep: Float = 1e-2

    /// The estimated trace of each of `layers` on `images` (NCHW, in batches of `batch`), the mean
    /// cross-entropy of the batches being the loss. Weights, BatchNorm running statistics and the
    /// network's precision come back as they were; every gradient is left at zero.
    public static func estimate(
        network: QuantizedNetwork, layers: [String], images: Dataset, batch: Int, rng: inout SeededRNG
    ) -> [Double] {
        let model = network.model
        let weights = layers.map { name in network.layers.first { $0.name == name }!.layer.weight }
        let buffers = model.parameters.filter { $0.role == .buffer }
        let saved = buffers.map(\.value), origin = weights.map(\.value)
        let batches = Array(BatchLoader.evaluation(images, batchSize: batch).epoch(0))
        network.set(.float)
        func gradient(_ displacement: [[Float]]) -> [[Float]] {
            for (w, (x, d)) in zip(weights, zip(origin, displacement)) {
                w.value.storage = zip(x.storage, d).map { $0 + $1 }
            }
            for p in model.parameters { p.zeroGrad() }
            for b in batches {
                let logits = model.forward(b.images, training: true)
                let r = crossEntropy(logits: logits, labels: b.labels)
                model.backward(r.gradient * (1 / Float(batches.count)))
            }
            return weights.map(\.grad.storage)
        }
        let squares = origin.reduce(0.0) { sum, w in w.storage.reduce(sum) { $0 + Double($1 * $1) } }
        let rms = (squares / Double(max(1, origin.reduce(0) { $0 + $1.count }))).squareRoot()
        let traces = HutchinsonTrace.estimate(
            blockSizes: origin.map(\.count), step: relativeStep * Float(rms), probes: probes, rng: &rng,
            gradient: gradient)
        for (w, x) in zip(weights, origin) { w.value = x }
        for (p, v) in zip(buffers, saved) { p.value = v }
        for p in model.parameters { p.zeroGrad() }
        return traces
    }
}
