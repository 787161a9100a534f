import PolybitData
import PolybitHardware
import PolybitQuant
import PolybitTensor
import PolybitTrain

/// What `polybit pick` is asked: a multi-bit ResNet checkpoint, profiles and budgets.
public struct PickRequest {
    /// The checkpoint file (from `polybit train --bits ...`).
    public var checkpoint: String
    /// Hardware profiles, each with the file it came from; every budget must hold on each.
    public var profiles: [(file: String, profile: HardwareProfile)]
    public var budgets: [Budget]
    /// Widths to sweep and search (nil: the checkpoint's deploy bit-widths).
    public var bits: [Int]?
    /// Validation images: the last `validationImages` of the full training split.
    public var validationImages = 2000
    /// Test images for the final picks (nil: the whole test split).
    public var testLimit: Int?
    /// Where the dataset's files are (nil: the checkpoint's).
    public var dataDir: String?
    /// Run the mixed-precision search after the uniform sweep.
    public var greedy = true
    /// Accuracy evaluations the mixed search may make beyond the uniform sweep.
    public var maxEvaluations = 300

    public init(checkpoint: String, profiles: [(file: String, profile: HardwareProfile)], budgets: [Budget]) {
        self.checkpoint = checkpoint; self.profiles = profiles; self.budgets = budgets
    }
}

/// The uniform sweep, then (optionally) the greedy search, on a multi-bit checkpoint: accuracy
/// from the fake-quantized network on a validation split of the training images (never the test
/// split, which only scores the final picks), cost from the analytic ResNet on each profile.
public enum CheckpointPick {
    /// Runs `request` and reports the picks.
    /// - Throws: `InputError` for a missing or foreign checkpoint, a float or ViT checkpoint, a
    ///   validation split larger than the training split, or a budget that nothing meets (the
    ///   message names it and the cheapest cost reachable).
    public static func run(_ request: PickRequest, progress: ProgressLine) throws -> PickReport {
        guard !request.budgets.isEmpty else { throw InputError("--budget: give at least one budget, e.g. energy_uJ=50") }
        guard !request.profiles.isEmpty else { throw InputError("--profile: give at least one hardware profile (see hwprofiles/)") }
        let file = request.checkpoint
        let ckpt = try Checkpoint.read(from: file)
        let recipe = ckpt.recipe
        guard recipe.trainedBits() != nil else {
            throw InputError("\(file): a float checkpoint; pick needs one trained with --bits")
        }
        guard let depth = recipe.resnetDepth else {
            throw InputError("\(file): a \(recipe.model) checkpoint; pick costs ResNets only (the cost model has no \(recipe.model) layer list)")
        }
        let widths = request.bits ?? recipe.deployedBits().bits
        guard !widths.isEmpty else { throw InputError("--bits: no quantized bit-widths to pick from") }
        let splits = try DatasetCatalog.load(name: recipe.dataset, dataDir: request.dataDir ?? recipe.dataDir)
        let full = splits.train
        guard request.validationImages > 0, request.validationImages <= full.count else {
            throw InputError("--validation \(request.validationImages): expected 1...\(full.count) (the training images of \(recipe.dataset))")
        }
        let (_, quantized) = try ckpt.instantiate(for: full, extraBits: widths, file: file)
        guard let net = quantized else { throw InputError("\(file): not a multi-bit checkpoint") }
        let first = full.count - request.validationImages
        let size = full.imageSize
        let validation = ckpt.normalization.apply(to: Dataset(
            name: full.name + " (last \(request.validationImages))", images: Array(full.images[(first * size)...]),
            labels: Array(full.labels[first...]), channels: full.channels, height: full.height, width: full.width,
            classes: full.classes))
        let test = ckpt.normalization.apply(to: request.testLimit.map { splits.test.prefix($0) } ?? splits.test)

        let space = SearchSpace(network: net, widths: widths)
        let budgets = Budgets(request.budgets)
        let network = try CIFARResNet(depth: depth, width: recipe.width)
        let shape = TensorShape(channels: validation.channels, height: validation.height, width: validation.width)
        let models = request.profiles.map { CostModel(profile: $0.profile) }
        let profileNames = request.profiles.map(\.profile.name)
        func figures(_ a: BitAssignment) throws -> CostFigures {
            let policy = space.policy(a)
            let layers = network.layers(input: shape, classes: validation.classes) { name in
                let p = policy.precision(of: name)
                // Only the stem's input is never quantized: raw 8-bit pixels.
                return PolybitHardware.Precision(weightBits: p.weightBits ?? 32, activationBits: p.activationBits ?? 8)
            }
            return CostFigures(try models.map { try $0.cost(layers) })
        }
        func accuracy(_ a: BitAssignment, on data: Dataset) -> Double {
            // A uniform assignment runs exactly as `eval --bits b` and `export --bits b`.
            if let b = a.uniformWidth { net.set(PolybitQuant.Precision.uniform(b)) } else { net.set(space.policy(a)) }
            return Evaluator.evaluate(net.model, on: data).accuracy
        }

        // The cheapest point: every unit at the lowest width.
        let cheapest = try figures(space.uniform(widths[0]))
        guard budgets.fit(cheapest) else {
            let broken = budgets.violations(cheapest, profileNames: profileNames).joined(separator: "; ")
            let edges = space.fixed.isEmpty ? "" : ", stem and classifier at \(QuantizedNetwork.boundaryBits)"
            throw InputError("--budget \(broken): nothing fits; that is the cost of the cheapest policy (every searched layer at \(widths[0]) bits\(edges))")
        }

        var evaluationCount = 0
        let limit = widths.count + (request.greedy ? request.maxEvaluations : 0)
        var search = GreedySearch(
            space: space, budgets: budgets, maxEvaluations: limit,
            accuracy: { a in
                evaluationCount += 1
                progress.update("pick: evaluation \(evaluationCount) (at most \(limit)) on \(validation.count) validation images")
                return accuracy(a, on: validation)
            },
            figures: figures)
        let sweep = try widths.map { try search.candidate(space.uniform($0)) }
        let uniform = sweep.mostAccurateWithinBudget()!
        var mixed: Candidate?
        if request.greedy {
            // RFQuant starts one level above its target (5/5 for 4-bit budgets); here one width
            // above the widest uniform assignment that fits.
            let widest = zip(widths, sweep).filter { $0.1.fits }.map(\.0).max()!
            _ = try search.run(from: space.uniform(widths.first { $0 > widest } ?? widest))
            mixed = search.evaluated.mostAccurateWithinBudget()
        }
        progress.finish("pick: \(search.evaluations) evaluations on \(validation.count) validation images, \(search.cacheHits) answered from the cache; testing the picks on \(test.count) test images")
        let uniformTest = accuracy(uniform.assignment, on: test)
        let mixedTest = mixed.map { $0.assignment == uniform.assignment ? uniformTest : accuracy($0.assignment, on: test) }
        func point(_ c: Candidate, test: Double? = nil, policy: Bool = false) -> PickReport.Point {
            PickReport.Point(candidate: c, profileNames: profileNames, testAccuracy: test,
                             policy: policy ? space.policy(c.assignment) : nil)
        }
        return PickReport(
            checkpoint: file, model: recipe.model.description, dataset: recipe.dataset, profiles: profileNames,
            budgets: request.budgets.map { PickReport.BudgetLimit(kind: $0.kind.rawValue, limit: $0.limit) },
            widths: widths, validation_images: validation.count, validation_first_index: first,
            validation_in_training: recipe.limit.map { $0 > first } ?? true, test_images: test.count,
            search: request.greedy ? "greedy" : "uniform", evaluations: search.evaluations, cache_hits: search.cacheHits,
            evaluation_limit_reached: request.greedy && search.evaluations >= limit,
            uniform_sweep: sweep.map { point($0) }, uniform: point(uniform, test: uniformTest, policy: true),
            mixed: mixed.map { point($0, test: mixedTest, policy: true) },
            pareto_front: search.evaluated.paretoFront().map { point($0) })
    }
}
