import PolybitNN
import PolybitQuant
import PolybitTensor

/// Information distortion mitigation (IDM) of one-shot training (RFQuant, Tang et al. CVPR 2024;
/// ALGORITHMS.md §6): a subnet's layers that run at the lowest weight width of their candidates
/// are pulled toward the max subnet's BatchNorm outputs by `λ · MSE(y_student, y_max)`, the max
/// subnet's outputs detached. The loss enters backpropagation as
/// `∂/∂y_student = 2λ (y_student − y_max) / n` (n elements of the output) added at the
/// BatchNorm's output (`BatchNorm2d.extraOutputGradient`). A BatchNorm with a fused ReLU is
/// compared after the ReLU (its output). ResNets only: the ViT has no BatchNorm.
public struct InformationDistortionMitigation {
    /// λ, the loss weight (the paper's code uses 0.01).
    public let weight: Float
    /// Each BatchNorm after a sampled conv, by the conv's layer name.
    public let normLayers: [String: BatchNorm2d]
    /// The max subnet's outputs of `normLayers`, by conv name (set by `recordTeacher()`).
    public private(set) var teacher: [String: Tensor] = [:]

    /// The BatchNorms of `model` that follow a conv named in `layers` (`<x>.conv<k>` is followed by
    /// `<x>.bn<k>`, `<x>.shortcut.conv` by `<x>.shortcut.bn`, `stem.conv` by `stem.bn`).
    public init(weight: Float, model: any ImageClassifier, layers: [String]) {
        self.weight = weight
        let byName = Dictionary(uniqueKeysWithValues: model.normLayers.map { ($0.name, $0) })
        var pairs: [String: BatchNorm2d] = [:]
        for conv in layers {
            if let bn = Self.normLayerName(ofConv: conv).flatMap({ byName[$0] }) { pairs[conv] = bn }
        }
        normLayers = pairs
    }

    /// `stage1.block0.conv1` → `stage1.block0.bn1`: the last `conv` of the name replaced by `bn`.
    public static func normLayerName(ofConv name: String) -> String? {
        guard let r = name.range(of: "conv", options: .backwards) else { return nil }
        return name.replacingCharacters(in: r, with: "bn")
    }

    /// Makes the BatchNorms keep their training outputs (before the max subnet's forward).
    public func startStep() { for bn in normLayers.values { bn.keepsOutput = true } }

    /// Keeps the max subnet's outputs, just after its forward.
    public mutating func recordTeacher() {
        teacher = normLayers.compactMapValues(\.lastOutput)
    }

    /// After a subnet's forward at `policy`: the IDM gradient at every BatchNorm whose conv runs at
    /// `lowest[conv]` weight bits (the lowest candidate of its unit); returns the loss added.
    @discardableResult
    public func attach(policy: PrecisionPolicy, lowest: [String: Int]) -> Float {
        var loss: Float = 0
        for (conv, bn) in normLayers {
            guard let low = lowest[conv], policy.precision(of: conv).weightBits == low,
                let y = bn.lastOutput, let t = teacher[conv], t.shape == y.shape
            else { continue }
            let scale = 2 * weight / Float(y.count)
            var gradient = y
            var sum: Double = 0
            gradient.withUnsafeMutableBufferPointer { g in
                t.withUnsafeBufferPointer { tp in
                    for i in 0..<g.count {
                        let d = g[i] - tp[i]
                        sum += Double(d * d)
                        g[i] = scale * d
                    }
                }
            }
            bn.extraOutputGradient = gradient
            loss += weight * Float(sum / Double(y.count))
        }
        return loss
    }

    /// Lets the BatchNorms drop their outputs again (after the step).
    public mutating func finishStep() {
        for bn in normLayers.values {
            bn.keepsOutput = false
            bn.extraOutputGradient = nil
        }
        teacher = [:]
    }
}
