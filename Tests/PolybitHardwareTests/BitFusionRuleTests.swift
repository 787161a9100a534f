import PolybitHardware
import PolybitQuant
import Testing

/// BitFusion's published rule: MACs per unit per cycle = ⌊8/max(b_a,2)⌋·⌊8/max(b_w,2)⌋ on 512 units.
@Suite struct BitFusionRuleTests {
    let profile: HardwareProfile

    init() throws { profile = try ProfileLoader.load(path: Fixtures.profilePath("bitfusion.yaml")) }

    func peak(_ w: Int, _ a: Int) throws -> Double {
        try ExecutionPrecision(
            Precision(weightBits: w, activationBits: a), on: profile.compute,
            profileName: profile.name
        ).peakMACsPerCycle(profile.compute)
    }

    @Test func publishedThroughput() throws {
        #expect(try peak(8, 8) == 512)
        #expect(try peak(4, 4) == 2048)
        #expect(try peak(2, 2) == 8192)
        #expect(try peak(2, 8) == 2048)  // ⌊8/8⌋·⌊8/2⌋ = 4 per unit
        #expect(try peak(8, 4) == 1024)
    }

    @Test func oddWidthsRunAtTheNextSupportedWidth() throws {
        for (b, runs) in [(3, 4), (5, 8), (6, 8), (7, 8)] {
            let e = try ExecutionPrecision(Precision.uniform(b), on: profile.compute, profileName: profile.name)
            #expect(e.run == Precision.uniform(runs))
            #expect(e.note == "\(b)x\(b) runs as \(runs)x\(runs)")
        }
        #expect(try peak(3, 3) == 2048)
        #expect(try peak(5, 5) == 512)
        #expect(try peak(7, 7) == 512)
    }

    @Test func energyPerMACScalesWithTheProduct() throws {
        func energy(_ b: Int) throws -> Double {
            try ExecutionPrecision(Precision.uniform(b), on: profile.compute, profileName: profile.name).macEnergyPJ
        }
        #expect(abs(try energy(8) - 0.46) < 1e-12)
        #expect(abs(try energy(4) - 0.115) < 1e-12)
        #expect(abs(try energy(2) - 0.02875) < 1e-12)
    }

    @Test func widerThanEightBitsIsRejected() throws {
        #expect(throws: (any Error).self) {
            _ = try ExecutionPrecision(Precision.uniform(9), on: profile.compute, profileName: profile.name)
        }
        do {
            _ = try ExecutionPrecision(
                Precision(weightBits: 4, activationBits: 12), on: profile.compute,
                profileName: profile.name)
        } catch {
            #expect("\(error)" == "BitFusion cannot run 12-bit activations: it supports 2, 4, 8 bits")
        }
    }

    /// Float is a 32-bit operand: an array without a 32-bit width cannot run it, and says so;
    /// one with a 32-bit width runs it as fp32, with no note.
    @Test func floatRunsAsThirtyTwoBitOperands() throws {
        do {
            _ = try ExecutionPrecision(.float, on: profile.compute, profileName: profile.name)
            Issue.record("BitFusion has no 32-bit width")
        } catch {
            #expect("\(error)" == "BitFusion cannot run fp32 (32-bit) weights: it supports 2, 4, 8 bits")
        }
        var wide = profile.compute
        wide.weightBits = [8, 32]
        wide.activationBits = [8, 32]
        let e = try ExecutionPrecision(.float, on: wide, profileName: "wide")
        #expect(e.run == .float && e.note == nil)
    }

    @Test func bitSerialTimeScalesWithActivationBits() throws {
        let stripes = try ProfileLoader.load(path: Fixtures.profilePath("stripes.yaml"))
        for b in [2, 4, 8, 16] {
            let e = try ExecutionPrecision(
                Precision(weightBits: 16, activationBits: b), on: stripes.compute,
                profileName: stripes.name)
            #expect(e.peakMACsPerCycle(stripes.compute) == 65_536.0 / Double(b))
        }
    }
}
