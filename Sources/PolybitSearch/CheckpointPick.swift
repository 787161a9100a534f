import PolybitData
import PolybitHardware
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import PolybitTrain

/// What `polybit pick` is asked: a multi-bit ResNet or ViT checkpoint, profiles and budgets.
public struct PickRequest {
    /// The checkpoint file (from `polybit train --bits ...`).
    public var checkpoint: String
    /// Hardware profiles, each with the file it came from; every budget must hold on each.
    public var profiles: [(file: String, profile: HardwareProfile)]
    public var budgets: [Budget]
    /// Widths to sweep and search (nil: the checkpoint's deploy bit-widths).
    public var bits: [Int]?
    /// Validation images: at most this many (the first) of the checkpoint's held-out split.
    public var validationImages = 2000
    /// For a checkpoint trained without a held-out split: validate on the last `validationImages`
    /// training images instead of refusing (they may have been trained on; the report says so).
    public var validationFromTraining = false
    /// Test images for the final picks (nil: the whole test split).
    public var testLimit: Int?
    /// Where the dataset's files are (nil: the checkpoint's).
    public var dataDir: String?
    /// The mixed-precision search after the uniform sweep.
    public var search = SearchMethod.greedy
    /// Accuracy evaluations the greedy search may make beyond the uniform sweep.
    public var maxEvaluations = 300
    /// Training images of the Hessian traces of `SearchMethod.hasb` (the first of the split, as
    /// `train --hasb-images` takes them).
    public var hessianImages = 1000
    /// A ViT's attention operand width, as `export --attention-bits` writes it (pick costs what
    /// export writes); `ViTIntegerPlan.attentionBitsRange`, nil for the export's default.
    public var attentionBits: Int?

    public init(checkpoint: String, profiles: [(file: String, profile: HardwareProfile)], budgets: [Budget]) {
        self.checkpoint = checkpoint; self.profiles = profiles; self.budgets = budgets
    }
}

/// The uniform sweep, then (optionally) the greedy search, on a multi-bit checkpoint: accuracy
/// from the fake-quantized network on the validation images its training held out (never the
/// test split, which only scores the final picks), cost from the integer model `export` writes for it, on each profile.
public enum CheckpointPick {
    /// Runs `request` and reports the picks.
    /// - Throws: `InputError` for a missing or foreign checkpoint, a float checkpoint or one of a model other than ResNet and ViT, a
    ///   checkpoint without a held-out split (unless `validationFromTraining`), a validation count
    ///   below 1, or a budget that nothing meets (the message names it and the cheapest cost reachable).
    public static func run(_ request: PickRequest, progress: ProgressLine) throws -> PickReport {
        guard !request.budgets.isEmpty else {
            throw InputError("--budget: give at least one budget, e.g. energy_uJ=50")
        }
        guard !request.profiles.isEmpty else {
            throw InputError("--profile: give at least one hardware profile (see hwprofiles/)")
        }
        let file = request.checkpoint
        let ckpt = try Checkpoint.read(from: file)
        let recipe = ckpt.recipe
        guard recipe.trainedBits() != nil else {
            throw InputError("\(file): a float checkpoint; pick needs one trained with --bits")
        }
        guard recipe.resnetDepth != nil || recipe.model == .vit else {
            throw InputError(
                "\(file): a \(recipe.model) checkpoint; pick costs ResNets and ViTs only (the cost model has no \(recipe.model) layer list)"
            )
        }
        let widths = request.bits ?? recipe.deployedBits().bits
        guard !widths.isEmpty else { throw InputError("--bits: no quantized bit-widths to pick from") }
        let data = try PickData(request, checkpoint: ckpt)
        if !data.heldOut {
            progress.finish(
                "pick: warning: \(file) was trained without a held-out validation split; validating on the last \(data.validation.count) training images"
                    + (data.inTraining ? ", which it trained on" : ""))
        }
        let (_, quantized) = try ckpt.instantiate(for: data.train, extraBits: widths, file: file)
        guard let net = quantized else { throw InputError("\(file): not a multi-bit checkpoint") }

        let space = SearchSpace(network: net, widths: widths)
        let profileNames = request.profiles.map(\.profile.name)
        /// Sets the network to `a`: a uniform assignment runs exactly as `eval --bits b` and
        /// `export --bits b`, a mixed one as `export --policy`.
        func apply(_ a: BitAssignment) {
            if let b = a.uniformWidth { net.set(Precision.uniform(b)) } else { net.set(space.policy(a)) }
        }
        let options = try exportOptions(request, isViT: recipe.model == .vit)
        let figures = costFigures(
            network: net, apply: apply, input: data.validation, options: options, profiles: request.profiles)
        func accuracy(_ a: BitAssignment, on data: Dataset) -> Double {
            apply(a)
            return Evaluator.evaluate(net.model, on: data).accuracy
        }
        let sensitivity = {
            try weightSensitivity(
                net, space: space, images: ckpt.normalization.apply(to: data.train.prefix(request.hessianImages)),
                progress: progress)
        }
        let picks = try search(
            request, space: space, widths: widths, profileNames: profileNames, figures: figures,
            accuracy: { accuracy($0, on: data.validation) }, sensitivity: sensitivity, progress: progress)
        progress.finish(
            "pick: \(picks.search.evaluations) evaluations on \(data.validation.count) validation images, \(picks.search.cacheHits) answered from the cache; testing the picks on \(data.test.count) test images"
        )
        let uniformTest = accuracy(picks.uniform.assignment, on: data.test)
        let mixedTest = picks.mixed.map {
            $0.assignment == picks.uniform.assignment ? uniformTest : accuracy($0.assignment, on: data.test)
        }
        func point(_ c: Candidate, test: Double? = nil, policy: Bool = false) -> PickReport.Point {
            PickReport.Point(
                candidate: c, profileNames: profileNames, testAccuracy: test,
                policy: policy ? space.policy(c.assignment) : nil)
        }
        return PickReport(
            checkpoint: file, model: recipe.model.description, dataset: recipe.dataset,
            residual: net.residual.rawValue, profiles: profileNames,
            budgets: request.budgets.map { PickReport.BudgetLimit(kind: $0.kind.rawValue, limit: $0.limit) },
            widths: widths, validation_images: data.validation.count, validation_first_index: data.first,
            validation_held_out: data.heldOut, validation_in_training: data.inTraining, test_images: data.test.count,
            search: request.search.rawValue, evaluations: picks.search.evaluations,
            cache_hits: picks.search.cacheHits,
            evaluation_limit_reached: request.search == .greedy && picks.search.evaluations >= picks.limit,
            uniform_sweep: picks.sweep.map { point($0) },
            uniform: point(picks.uniform, test: uniformTest, policy: true),
            mixed: picks.mixed.map { point($0, test: mixedTest, policy: true) },
            pareto_front: picks.search.evaluated.paretoFront().map { point($0) })
    }

    /// The export options whose integer model pick costs: the defaults, with a ViT's attention width.
    /// - Throws: `InputError` for an attention width outside `ViTIntegerPlan.attentionBitsRange` or
    ///   given for a checkpoint that is not a ViT.
    private static func exportOptions(_ request: PickRequest, isViT: Bool) throws -> ExportOptions {
        var options = ExportOptions()
        guard let bits = request.attentionBits else { return options }
        guard isViT else {
            throw InputError("--attention-bits: \(request.checkpoint) is not a ViT checkpoint (no attention to set)")
        }
        let range = ViTIntegerPlan.attentionBitsRange
        guard range.contains(bits) else {
            throw InputError("--attention-bits \(bits): expected \(range.lowerBound)...\(range.upperBound)")
        }
        options.attentionBits = bits
        return options
    }

    /// The cost figures of an assignment on every profile: the network set to the assignment,
    /// lowered to the integer plan that `export` fills (`ResNetExporter.plan`, for a ViT
    /// `ViTExporter.plan` with `options`' attention width), costed through the same workloads as
    /// `cost --model` of the exported file.
    private static func costFigures(
        network: QuantizedNetwork, apply: @escaping (BitAssignment) -> Void, input: Dataset,
        options: ExportOptions, profiles: [(file: String, profile: HardwareProfile)]
    ) -> (BitAssignment) throws -> CostFigures {
        let shape = [input.channels, input.height, input.width]
        let models = profiles.map { CostModel(profile: $0.profile) }
        return { a in
            apply(a)
            let layers =
                network.model is ViT
                ? try ViTExporter.plan(of: network, options: options).workloads()
                : try ResNetExporter.plan(of: network, inputShape: shape).workloads()
            return CostFigures(try models.map { try $0.cost(layers) })
        }
    }

    /// What the sweep and the search found: every uniform width, the uniform and mixed picks,
    /// and the search with its cache (`limit`: the evaluations it was allowed).
    private struct Picks {
        var search: GreedySearch
        var sweep: [Candidate]
        var uniform: Candidate
        var mixed: Candidate?
        var limit: Int
    }

    /// HASB's sensitivity of each weight unit of `space`: its layer's Hessian trace over its
    /// weight count (`LayerHessianTraces` on `images`, normalized training images).
    private static func weightSensitivity(
        _ net: QuantizedNetwork, space: SearchSpace, images: Dataset, progress: ProgressLine
    ) throws -> [Double] {
        progress.update("pick: Hessian traces of \(space.weightUnits.count) layers on \(images.count) training images")
        var rng = SeededRNG(seed: 0)
        let traces = LayerHessianTraces.estimate(
            network: net, layers: space.weightUnits, images: images, batch: 100, rng: &rng)
        return zip(space.weightUnits, traces).map { name, t in
            let weights = net.layers.first { $0.name == name }!.layer.weight.value.count
            return max(0, t) / Double(weights)
        }
    }

    /// Checks that the cheapest assignment fits the budgets, sweeps the uniform widths, then runs
    /// `request.search`: the greedy search one width above the widest uniform fit, or HASB's
    /// allocation (`sensitivity` gives its weight units' Hessian traces per weight).
    /// - Throws: `InputError` naming the budgets the cheapest assignment breaks.
    private static func search(
        _ request: PickRequest, space: SearchSpace, widths: [Int], profileNames: [String],
        figures: @escaping (BitAssignment) throws -> CostFigures,
        accuracy: @escaping (BitAssignment) -> Double, sensitivity: () throws -> [Double], progress: ProgressLine
    ) throws -> Picks {
        let budgets = Budgets(request.budgets)
        // The cheapest point: every unit at the lowest width.
        let cheapest = try figures(space.uniform(widths[0]))
        guard budgets.fit(cheapest) else {
            let broken = budgets.violations(cheapest, profileNames: profileNames).joined(separator: "; ")
            let edges = space.fixed.isEmpty ? "" : ", stem and classifier at \(QuantizedNetwork.boundaryBits)"
            throw InputError(
                "--budget \(broken): nothing fits; that is the cost of the cheapest policy (every searched layer at \(widths[0]) bits\(edges))"
            )
        }

        var evaluationCount = 0
        let limit = widths.count + (request.search == .greedy ? request.maxEvaluations : 1)
        var search = GreedySearch(
            space: space, budgets: budgets, maxEvaluations: limit,
            accuracy: { a in
                evaluationCount += 1
                progress.update("pick: evaluation \(evaluationCount) (at most \(limit)) on the validation images")
                return accuracy(a)
            },
            figures: figures)
        let sweep = try widths.map { try search.candidate(space.uniform($0)) }
        let uniform = sweep.mostAccurateWithinBudget()!
        var mixed: Candidate?
        switch request.search {
        case .uniform: break
        case .greedy:
            // RFQuant starts one level above its target (5/5 for 4-bit budgets); here one width
            // above the widest uniform assignment that fits.
            let widest = zip(widths, sweep).filter { $0.1.fits }.map(\.0).max()!
            _ = try search.run(from: space.uniform(widths.first { $0 > widest } ?? widest))
            mixed = search.evaluated.mostAccurateWithinBudget()
        case .hasb:
            let allocation = try HessianAllocation.run(
                space: space, weightSensitivity: try sensitivity(), budgets: budgets, figures: figures)
            mixed = try search.candidate(allocation)
        }
        return Picks(search: search, sweep: sweep, uniform: uniform, mixed: mixed, limit: limit)
    }
}

/// The images of a pick: the training split (for the network's shapes), the validation images
/// (the first `validationImages` of the checkpoint's held-out split, or with
/// `validationFromTraining` the last `validationImages` training images of a checkpoint without
/// one) and the test split (first `testLimit`), normalized as the checkpoint was trained.
private struct PickData {
    var train: Dataset
    var validation: Dataset
    var test: Dataset
    /// Index of the first validation image in the dataset's official training split.
    var first: Int
    /// The validation images were held out of training (the checkpoint's split).
    var heldOut: Bool
    /// The checkpoint was trained on (some of) the validation images.
    var inTraining: Bool

    /// - Throws: `InputError` when the dataset is missing, the checkpoint has no held-out split
    ///   and `validationFromTraining` is off, or the validation count is out of range.
    init(_ request: PickRequest, checkpoint ckpt: Checkpoint) throws {
        let recipe = ckpt.recipe, n = request.validationImages
        let splits = try recipe.loadSplits(dataDir: request.dataDir, limited: false)
        test = ckpt.normalization.apply(to: request.testLimit.map { splits.test.prefix($0) } ?? splits.test)
        train = splits.train
        first = splits.train.count
        if let held = splits.validation {
            guard n > 0 else {
                throw InputError(
                    "--validation \(n): expected 1 or more (at most the \(held.count) held-out images are used)")
            }
            validation = ckpt.normalization.apply(to: held.prefix(n))
            heldOut = true; inTraining = false
            return
        }
        guard request.validationFromTraining else {
            throw InputError(
                "\(request.checkpoint): trained without a held-out validation split (train --validation); pass --validation-from-training to validate on the last --validation training images anyway"
            )
        }
        guard n > 0, n < train.count else {
            throw InputError(
                "--validation \(n): expected 1...\(train.count - 1) (the training images of \(recipe.dataset))")
        }
        let start = train.count - n, size = train.imageSize
        first = start
        validation = ckpt.normalization.apply(
            to: Dataset(
                name: train.name + " (last \(n))", images: Array(train.images[(start * size)...]),
                labels: Array(train.labels[start...]), channels: train.channels, height: train.height,
                width: train.width,
                classes: train.classes))
        heldOut = false
        // The run trained on the first `limit` training images (all of them without a limit).
        inTraining = recipe.limit.map { $0 > start } ?? true
    }
}
