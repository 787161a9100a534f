import PolybitNN

/// The quantizers a `ResidualPath` adds to a ResNet's residual stream, wired into the network's
/// transforms, and the rule that sets their widths.
///
/// Width rule (what the integer model carries): a block's output is read by the next block's
/// `<block>.input` quantizer, the last block's by the pool; the stream quantizers of a block take
/// the width of that reader: `<block>.residual` and `<block>.shortcut` (and under `.bits(R)`
/// `<block>.output`) follow the next block's `<block>.input` width, i.e. its conv1 activation bits;
/// the last block's follow its own `<block>.input` width, as does `pool.input`; `stem.output`
/// follows the first block's. Under a uniform precision these are all the precision's activation
/// bits; under `.bits(R)` every one is raised to at least R; a float reader leaves them float.
struct ResidualQuantizers {
    /// The quantizers of one block (nil: absent under this path).
    struct Block {
        /// The shared `<block>.input` quantizer of conv1 and the projection.
        let input: ActivationQuantizer
        let residual: ActivationQuantizer?, shortcut: ActivationQuantizer?, output: ActivationQuantizer?
    }

    let path: ResidualPath
    let stemOutput: ActivationQuantizer?
    let blocks: [Block]
    let poolInput: ActivationQuantizer?

    /// Creates the quantizers of `path` for `net`, whose blocks' shared input quantizers are
    /// `inputs` (already set as their `convInputTransform`), and wires them into `net`.
    /// `make(name, signed, widths)` builds and registers one quantizer; `widths` are the bit-widths
    /// the network has steps for.
    init(
        _ net: ResNet, path: ResidualPath, inputs: [ActivationQuantizer], widths: [Int],
        make: (String, Bool, [Int]) -> ActivationQuantizer
    ) {
        self.path = path
        let streamWidths = Array(Set(widths.map { Self.streamBits($0, path: path) })).sorted()
        func quantizer(_ name: String, signed: Bool) -> ActivationQuantizer { make(name, signed, streamWidths) }
        var bitsStream = false, activationStream = false
        switch path {
        case .float: break
        case .activation: activationStream = true
        case .bits: bitsStream = true
        }
        stemOutput = bitsStream ? quantizer("stem.output", signed: false) : nil
        net.stemOutputTransform = stemOutput
        var blocks: [Block] = []
        for (block, input) in zip(net.blocks, inputs) {
            let prefix = input.name.replacingSuffix(".input")
            let stream = path != .float
            let q = Block(
                input: input,
                residual: stream ? quantizer(prefix + ".residual", signed: true) : nil,
                shortcut: stream && block.projection != nil ? quantizer(prefix + ".shortcut", signed: true) : nil,
                output: bitsStream ? quantizer(prefix + ".output", signed: false) : nil)
            block.identityReadsConvInput = activationStream
            block.residualTransform = q.residual
            block.shortcutTransform = q.shortcut
            block.outputTransform = q.output
            blocks.append(q)
        }
        self.blocks = blocks
        poolInput = activationStream ? quantizer("pool.input", signed: false) : nil
        net.poolInputTransform = poolInput
    }

    /// The width of a stream quantizer whose reader runs at `bits`.
    static func streamBits(_ bits: Int, path: ResidualPath) -> Int {
        path.streamBits(readerBits: bits) ?? bits
    }

    /// The trained widths of the stream quantizers, for a network trained at `trained`.
    func trainedStreamBits(_ trained: [Int]) -> [Int] { trained.map { Self.streamBits($0, path: path) } }

    /// Sets every stream quantizer's width from the `<block>.input` widths (the type's rule);
    /// call after the layers' input widths are set.
    func followReaders() {
        guard let last = blocks.last else { return }
        func set(_ q: ActivationQuantizer?, _ reader: ActivationQuantizer) {
            q?.bits = reader.bits.map { Self.streamBits($0, path: path) }
        }
        set(stemOutput, blocks[0].input)
        for (i, b) in blocks.enumerated() {
            let reader = i + 1 < blocks.count ? blocks[i + 1].input : last.input
            set(b.residual, reader); set(b.shortcut, reader); set(b.output, reader)
        }
        set(poolInput, last.input)
    }

    /// Every quantizer this path added (not the blocks' inputs).
    var added: [ActivationQuantizer] {
        [stemOutput].compactMap { $0 } + blocks.flatMap { [$0.residual, $0.shortcut, $0.output].compactMap { $0 } }
            + [poolInput].compactMap { $0 }
    }
}
