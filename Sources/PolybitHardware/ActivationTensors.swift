import PolybitTensor

/// The activation tensors of a layer list (the network input and every layer's output), their
/// sizes and when they are live: from the step of their producer through the step of their last
/// consumer (the network output only at its producer's step).
struct ActivationTensors {
    /// Tensor names: the network input first, then each layer's output in layer order.
    let names: [String]
    /// Size of each tensor in bits at the requested widths (packed).
    let modelBits: [Int]
    /// Size of each tensor in bits at the widths the hardware stores (widened to a supported width).
    let storedBits: [Int]
    /// Producer step of each tensor (−1 for the network input).
    let producer: [Int]
    /// Last step that reads each tensor (its producer's step if none does).
    let lastUse: [Int]
    /// Index of each name.
    let index: [String: Int]

    /// - Throws: `InputError` when a layer is invalid, a name repeats or an input names no earlier layer.
    init(_ layers: [LayerWorkload], storedWidth: (Int) -> Int) throws {
        guard let first = layers.first else { throw InputError("network: no layers to cost") }
        var names = [LayerWorkload.networkInput]
        var model = [first.inputShape.elements * first.activationBits]
        var stored = [first.inputShape.elements * storedWidth(first.activationBits)]
        var producer = [-1]
        var index = [LayerWorkload.networkInput: 0]
        var lastUse = [0]
        for (step, layer) in layers.enumerated() {
            try layer.validate()
            for input in layer.inputs {
                guard let t = index[input] else {
                    throw InputError(
                        "network: layer \"\(layer.name)\" reads \"\(input)\", which no earlier layer produces")
                }
                lastUse[t] = max(lastUse[t], step)
            }
            guard index[layer.name] == nil else {
                throw InputError("network: layer name \"\(layer.name)\" is used twice")
            }
            index[layer.name] = names.count
            names.append(layer.name)
            model.append(layer.outputShape.elements * layer.outputBits)
            stored.append(layer.outputShape.elements * storedWidth(layer.outputBits))
            producer.append(step)
            lastUse.append(step)
        }
        self.names = names
        self.modelBits = model
        self.storedBits = stored
        self.producer = producer
        self.lastUse = lastUse
        self.index = index
    }

    /// Bits live at each step, per the given tensor sizes.
    func liveBits(steps: Int, sizes: [Int]) -> [Int] {
        var live = [Int](repeating: 0, count: steps)
        for t in names.indices {
            for step in max(producer[t], 0)...lastUse[t] { live[step] += sizes[t] }
        }
        return live
    }
}
