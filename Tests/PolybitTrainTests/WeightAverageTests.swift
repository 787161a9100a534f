import Foundation
import PolybitNN
import PolybitTensor
import PolybitTrain
import Testing

@Suite(.serialized) struct WeightAverageTests {
    init() { Compute.configure(threads: 2) }

    /// Decay 0.75 from 4 toward 0 then 8: 3, then 0.75·3 + 0.25·8 = 4.25; `withAverages` shows the
    /// averages and puts the raw value back; a statistics step is not averaged.
    @Test func averagesAfterEachUpdateAndSwapsForEvaluation() {
        let p = Parameter(name: "w", role: .weight, value: Tensor(shape: [1], repeating: 4))
        let step = Parameter(name: "wstep2", role: .statisticsStep, value: Tensor(shape: [1], repeating: 1))
        let average = WeightAverage(parameters: [p, step], decay: 0.75)
        p.value = Tensor(shape: [1], repeating: 0)
        average.update()
        p.value = Tensor(shape: [1], repeating: 8)
        average.update()
        #expect(average.values["w"]?.storage == [4.25])
        #expect(average.values["wstep2"] == nil)
        #expect(average.withAverages { p.value.storage } == [4.25])
        #expect(p.value.storage == [8])
    }

    /// A multi-bit run with the average: the checkpoint stores it beside the raw weights, the model
    /// `instantiate` builds (what eval, export and pick use) has the averaged weights, and a stopped
    /// and resumed run ends equal to an uninterrupted one, averages included.
    @Test func checkpointKeepsTheAverageAndResumesIt() throws {
        var (recipe, splits) = tinyRecipe(epochs: 3)
        recipe.bits = widths("2,4"); recipe.deployBits = widths("2,4"); recipe.weightAverage = 0.9
        let straight = temporaryRunDirectory(), resumed = temporaryRunDirectory()
        try trainQuietly(recipe, splits, in: straight)
        try trainQuietly(recipe, splits, in: resumed, stopAfter: 2)
        try trainQuietly(recipe, splits, in: resumed, resume: true)
        let a = try Checkpoint.read(from: straight + "/checkpoint.h5")
        let b = try Checkpoint.read(from: resumed + "/checkpoint.h5")
        let name = "stage1.block0.conv1.weight"
        #expect(a.averaged[name] != nil && a.averaged[name] != a.parameters[name])
        for (key, t) in a.averaged { #expect(t == b.averaged[key], "averaged/\(key) differs after resume") }
        for (key, t) in a.parameters { #expect(t == b.parameters[key], "parameters/\(key) differs after resume") }
        let (model, _) = try a.instantiate(for: splits.train, file: straight + "/checkpoint.h5")
        #expect(model.parameters.first { $0.name == name }?.value == a.averaged[name])
    }
}
