import PolybitQuant
import PolybitTensor

extension ActivationQuantizer {
    /// The grid this trained quantizer runs at (its step at its current width, zero point 0), for
    /// the tensor an integer model stores at `bits` bits, `signed` or not. Throws `InputError`
    /// when the quantizer has no width or step, or runs at another width or signedness than the
    /// model stores.
    func trainedGrid(storedBits bits: Int, signed: Bool) throws -> Quantization {
        guard let b = self.bits, let step = steps[b] else {
            throw InputError("the network has no quantized activation \(name), which its integer model needs")
        }
        guard b == bits, self.signed == signed else {
            throw InputError(
                "activation \(name) runs at \(b) bits in the network but the integer model stores it at \(bits)")
        }
        return Quantization(bits: b, signed: self.signed, scale: Double(step.value.storage[0]), zeroPoint: 0)
    }
}
