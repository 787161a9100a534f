import PolybitData
import Testing

@Suite struct NormalizationTests {
    @Test func standardizesEachChannel() {
        let data = SyntheticDataset.make(count: 300, channels: 3, height: 6, width: 5, classes: 3, seed: 4)
        let (splits, norm) = DatasetSplits(train: data, test: data.prefix(10)).normalized()
        #expect(norm.mean.count == 3 && norm.std.allSatisfy { $0 > 0.05 })
        let plane = 30
        for c in 0..<3 {
            var values: [Double] = []
            for n in 0..<splits.train.count {
                let base = (n * 3 + c) * plane
                values += splits.train.images[base..<(base + plane)].map(Double.init)
            }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            #expect(
                abs(mean) < 1e-4 && abs(variance.squareRoot() - 1) < 1e-3,
                "channel \(c): mean \(mean), std \(variance.squareRoot())")
        }
        // The test split uses the training statistics.
        #expect(splits.test.images == Array(splits.train.images.prefix(10 * 90)))
    }

    @Test func constantChannelsDoNotDivideByZero() {
        let data = Dataset(
            name: "flat", images: [Float](repeating: 0.5, count: 8), labels: [0, 0],
            channels: 1, height: 2, width: 2, classes: 1)
        let norm = ChannelNormalization(fitting: data)
        #expect(norm.mean == [0.5] && norm.std[0] > 0)
        #expect(norm.apply(to: data).images.allSatisfy { $0 == 0 })
    }
}

@Suite struct PixelGridTests {
    @Test func roundedMeansLieOnThePixelGrid() {
        let n = ChannelNormalization(mean: [0.2860, 0.5], std: [0.353, 0.25]).roundedToPixelGrid()
        #expect(n.mean[0] * 255 == 73 && n.mean[1] * 255 == 128)
        #expect(n.std == [0.353, 0.25])
    }
}
