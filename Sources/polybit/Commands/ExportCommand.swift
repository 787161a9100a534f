import ArgumentParser
import Foundation
import PolybitData
import PolybitNN
import PolybitONNX
import PolybitQuant
import PolybitSim
import PolybitTensor
import PolybitTrain

/// The file formats `export` writes.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case hdf5, onnx, qonnx
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a multi-bit checkpoint at a bit-width or per-layer policy as an integer model (HDF5).",
        discussion: """
            The integer model (docs/integer-model.md) is bit-accurate: BatchNorm folded, weight bias correction \
            exact, every tensor a quantizer made in training on that quantizer's grid (with the default \
            'train --residual activation', the whole residual stream). What training kept in float (the logits; \
            with a float-residual checkpoint also the residual stream) is stored at --residual-bits bits, \
            calibrated on training images. --verify N compares top-1 classes with the fake-quantized model.
            """)

    @Option(help: "A multi-bit checkpoint (trained with --bits).") var checkpoint: String
    @Option(help: "Uniform bit-width of weights and activations (stem and classifier stay at 8 bits).") var bits: Int?
    @Option(
        help:
            "Per-layer policy JSON ({\"layers\": {name: {\"weight_bits\": b, \"activation_bits\": b}}, \"default\": {...}}, either part optional)."
    )
    var policy: String?
    @Option(help: "Output file (written atomically): the integer model, in --format.") var out: String
    @Option(
        help:
            "hdf5 (the integer model, docs/integer-model.md), onnx (the same model as an ONNX graph that onnxruntime runs bit for bit) or qonnx (float operators and QONNX Quant nodes for FINN/hls4ml); docs/onnx.md."
    )
    var format: ExportFormat = .hdf5
    @Option(help: "Training images used to calibrate the tensors training kept in float.") var calibrationImages = 512
    @Option(
        help: "Bits of the tensors training kept in float (the logits; a float-residual checkpoint's stream), 8...24.")
    var residualBits =
        ExportOptions().residualBits
    @Option(
        help:
            "Fraction bits F of the bias-correction constants Z_c and bias fractions, 0...30 (lowered per layer when a Z_c would not fit)."
    )
    var fractionBits = ExportOptions().fractionBits
    @Option(
        help:
            "ViT only: bits of the attention products' operands (Q, K, V, attention probabilities), which training kept in float, 2...16; 8 runs the products on an 8-bit array. [default: the --policy file's pick.attention_bits, else 16]"
    )
    var attentionBits: Int?
    @Flag(
        help: "Round biases to whole accumulator units (int32 only, as TFLite/ONNX) instead of keeping bias_fraction.")
    var integerBias = false
    @Option(help: "Compare top-1 classes with the fake-quantized model on the first N test images (0: skip).")
    var verify = 0
    @Option(help: "Where the dataset's files are. [default: the checkpoint's]") var dataDir: String?
    @Option(help: "Threads.") var threads = System.activeProcessorCount
    @Flag(help: "Print one JSON object.") var json = false

    struct Summary: Encodable {
        var model: String, precision: String, layers: Int, export: ExportReport, verification: ExportAgreement?
        var layer_codes: [LayerCodeAgreement]?
        /// The checkpoint's residual path (`float`, `activation` or a width).
        var residual: String
    }

    /// Images whose activation codes are compared layer by layer (one traced batch).
    static let codeImages = 200

    /// Checks the flags that need no file; throws a `BadInput` naming the flag.
    private func checkFlags() throws {
        guard (bits == nil) != (policy == nil) else { throw InputError("give exactly one of --bits and --policy") }
        if let bits, !ResNetExporter.supportedBits.contains(bits) {
            throw InputError(
                "--bits \(bits): expected \(ResNetExporter.supportedBits.lowerBound)...\(ResNetExporter.supportedBits.upperBound)"
            )
        }
        guard calibrationImages > 0 else { throw InputError("--calibration-images: expected a positive number") }
        guard (8...24).contains(residualBits) else {
            throw InputError("--residual-bits \(residualBits): expected 8...24")
        }
        guard (0...30).contains(fractionBits) else {
            throw InputError("--fraction-bits \(fractionBits): expected 0...30")
        }
        let range = ViTIntegerPlan.attentionBitsRange
        if let attentionBits, !range.contains(attentionBits) {
            throw InputError("--attention-bits \(attentionBits): expected \(range.lowerBound)...\(range.upperBound)")
        }
    }

    func run() throws {
        Compute.configure(threads: threads)
        try checkFlags()
        let policyValue = try policy.map { try PrecisionPolicy.read(from: $0) }
        let ckpt = try Checkpoint.read(from: checkpoint)
        guard ckpt.recipe.trainedBits() != nil else {
            throw InputError("\(checkpoint): a float checkpoint; export needs one trained with --bits")
        }
        let splits = try DatasetCatalog.load(
            name: ckpt.recipe.dataset, dataDir: dataDir ?? ckpt.recipe.dataDir,
            limit: ckpt.recipe.limit)
        // Steps for every width the network will run at (a policy's default included); widths
        // outside what export supports are rejected by `validate` below, naming the field.
        let extra = bits.map { [$0] } ?? policyValue!.bitWidths.filter(ResNetExporter.supportedBits.contains)
        let (_, quantized) = try ckpt.instantiate(for: splits.train, extraBits: extra, file: checkpoint)
        guard let net = quantized else { throw InputError("\(checkpoint): not a multi-bit checkpoint") }
        if let bits { net.set(.uniform(bits)) }
        if let policy, let policyValue {
            try policyValue.validate(layers: net.layers, supportedBits: ResNetExporter.supportedBits, file: policy)
            net.set(policyValue)
        }
        let calibration = ckpt.normalization.apply(to: splits.train.prefix(calibrationImages))
        let attention = try attentionBits ?? recordedAttentionBits(policyValue)
        let (model, report) = try exportModel(
            net, normalization: ckpt.normalization, calibration: calibration, attention: attention)
        var agreement: ExportAgreement?
        var codes: [LayerCodeAgreement]?
        if verify > 0 {
            agreement = try ExportVerification.compare(
                net, normalization: ckpt.normalization, model: model,
                data: splits.test, limit: verify,
                config: SimulationConfig(threads: threads))
            codes = try ExportVerification.compareCodes(
                net, normalization: ckpt.normalization, model: model,
                data: splits.test, limit: min(verify, Self.codeImages))
        }
        let precision = bits.map { "\($0)-bit" } ?? "policy \(policy!)"
        switch format {
        case .hdf5: try model.write(to: out)
        case .onnx, .qonnx:
            var metadata = [
                "polybit.version": Polybit.version, "polybit.checkpoint": checkpoint, "polybit.precision": precision,
                "polybit.residual": net.residual.rawValue,
            ]
            if let policyValue {
                var layers = policyValue
                layers.provenance = nil
                metadata["polybit.policy"] = try jsonText(layers)
                for (key, value) in policyValue.provenance ?? [:] { metadata["polybit.pick." + key] = value }
            }
            if let agreement {
                metadata["polybit.verification"] = try jsonText(agreement)
            }
            try ONNXDialect(rawValue: format.rawValue)!.write(model, to: out, metadata: metadata, file: out)
        }
        if json {
            try printJSON(
                Summary(
                    model: out, precision: precision, layers: model.layers.count, export: report,
                    verification: agreement, layer_codes: codes, residual: net.residual.rawValue))
            return
        }
        printSummary(
            model: model, precision: precision, report: report, agreement: agreement, codes: codes,
            testImages: splits.test.count)
        if net.model is ViT {
            print(
                "ViT: softmax, GELU and LayerNorm as I-BERT integer approximations; what training kept in float stored at \(min(residualBits, ViTIntegerPlan.defaultFloatBits)) bits (attention operands at \(attention ?? ViTIntegerPlan.defaultAttentionBits)), calibrated on \(calibration.count) images"
            )
            return
        }
        print(
            net.residual == .float
                ? "residual stream: float in training (a checkpoint from before 'train --residual'), stored at \(residualBits) bits, calibrated on \(calibration.count) images"
                : "residual stream: on the trained grids ('train --residual \(net.residual.rawValue)'); only the logits are calibrated"
        )
    }

    /// The attention width `pick --attention-bits` recorded in the policy file (`pick.attention_bits`).
    private func recordedAttentionBits(_ policyValue: PrecisionPolicy?) throws -> Int? {
        guard let text = policyValue?.provenance?["attention_bits"] else { return nil }
        let range = ViTIntegerPlan.attentionBitsRange
        guard let bits = Int(text), range.contains(bits) else {
            throw InputError(
                "\(policy!): field 'pick.attention_bits': expected \(range.lowerBound)...\(range.upperBound), found '\(text)'"
            )
        }
        return bits
    }

    /// The integer model of `net` (a ResNet or a ViT) with the flags' export options (`attention`:
    /// a ViT's attention width, nil for the default).
    private func exportModel(
        _ net: QuantizedNetwork, normalization: ChannelNormalization, calibration: Dataset, attention: Int?
    ) throws -> (IntegerModel, ExportReport) {
        var options = ExportOptions()
        options.residualBits = residualBits
        options.fractionBits = fractionBits
        options.biasFraction = !integerBias
        if let attention {
            guard net.model is ViT else {
                throw InputError("--attention-bits: \(checkpoint) is not a ViT checkpoint (no attention to set)")
            }
            options.attentionBits = attention
        }
        return net.model is ViT
            ? try ViTExporter.export(net, normalization: normalization, calibration: calibration, options: options)
            : try ResNetExporter.export(net, normalization: normalization, calibration: calibration, options: options)
    }

    /// The human-readable summary: what was written, and the verification figures when asked.
    private func printSummary(
        model: IntegerModel, precision: String, report: ExportReport, agreement: ExportAgreement?,
        codes: [LayerCodeAgreement]?, testImages: Int
    ) {
        print(
            "wrote \(out): \(model.layers.count) integer layers at \(precision)"
                + (report.flipped_channels > 0
                    ? " (\(report.flipped_channels) channels with negative BatchNorm scale flipped, \(report.clamped_weights) weights clamped)"
                    : ""))
        if let a = agreement {
            print(
                String(
                    format:
                        "verified on %d test images: top-1 agreement %.2f%%, fake-quant accuracy %.2f%%, integer accuracy %.2f%%",
                    a.images, 100 * a.top1_agreement, 100 * a.float_accuracy, 100 * a.integer_accuracy))
        }
        if let codes {
            let n = min(verify, Self.codeImages, testImages)
            if let first = codes.first(where: { $0.mismatched > 0 }) {
                let worst = codes.max { $0.mismatched < $1.mismatched }!
                print(
                    String(
                        format:
                            "activation codes on %d images: first differ at %@ (%.4f%% of codes), most at %@ (%.4f%%, up to %d steps)",
                        n, first.tensor, 100 * first.mismatched, worst.tensor, 100 * worst.mismatched,
                        worst.max_difference))
            } else {
                print("activation codes on \(n) images: identical at all \(codes.count) quantized tensors")
            }
        }
    }
}
