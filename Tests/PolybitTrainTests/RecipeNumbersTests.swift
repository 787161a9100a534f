import PolybitTrain
import Testing

/// Every number of a recipe (from flags or a checkpoint's JSON) is range-checked, NaN included.
@Suite struct RecipeNumbersTests {
    @Test func optimizerNumbersAreRangeChecked() {
        let cases: [(WritableKeyPath<TrainingRecipe, Float>, Float, RecipeField)] = [
            (\.momentum, .nan, .momentum), (\.momentum, 1, .momentum), (\.momentum, -0.1, .momentum),
            (\.weightDecay, .nan, .weightDecay), (\.weightDecay, .infinity, .weightDecay),
            (\.weightDecay, -1e-4, .weightDecay), (\.learningRate, .nan, .learningRate),
            (\.labelSmoothing, .nan, .labelSmoothing),
        ]
        for (path, value, field) in cases {
            var r = TrainingRecipe()
            r[keyPath: path] = value
            #expect(failingField { try r.validate() } == field, "\(field) = \(value)")
        }
        #expect(failingField { try TrainingRecipe().validate() } == nil)
    }

    @Test func sizesArePositive() {
        var r = TrainingRecipe()
        r.limit = 0
        #expect(failingField { try r.validate() } == .limit)
        r = TrainingRecipe()
        r.model = .vit; r.heads = 0
        #expect(failingField { try r.validate() } == .heads)
        r.heads = 4; r.patch = -1
        #expect(failingField { try r.validate() } == .patch)
    }
}
