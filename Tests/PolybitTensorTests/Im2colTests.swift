import PolybitTensor
import Testing

/// Direct convolution of one image: weights [outC, C, kH, kW] → output [outC, outH, outW].
func directConv(_ x: [Float], _ w: [Float], outC: Int, _ g: ConvGeometry) -> [Double] {
    var y = [Double](repeating: 0, count: outC * g.outPositions)
    for o in 0..<outC {
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                var s = 0.0
                for c in 0..<g.channels {
                    for ky in 0..<g.kernelH {
                        for kx in 0..<g.kernelW {
                            let iy = oy * g.strideH - g.padH + ky, ix = ox * g.strideW - g.padW + kx
                            guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                            s +=
                                Double(x[(c * g.height + iy) * g.width + ix])
                                * Double(w[((o * g.channels + c) * g.kernelH + ky) * g.kernelW + kx])
                        }
                    }
                }
                y[(o * g.outH + oy) * g.outW + ox] = s
            }
        }
    }
    return y
}

@Suite struct Im2colTests {
    static let geometries: [ConvGeometry] = [
        ConvGeometry(channels: 3, height: 8, width: 8, kernel: 3, stride: 1, padding: 1),
        ConvGeometry(channels: 2, height: 9, width: 7, kernel: 3, stride: 2, padding: 1),
        ConvGeometry(channels: 4, height: 6, width: 6, kernel: 1, stride: 1, padding: 0),
        ConvGeometry(channels: 4, height: 7, width: 7, kernel: 1, stride: 2, padding: 0),
        ConvGeometry(
            channels: 1, height: 5, width: 6, kernelH: 3, kernelW: 2, strideH: 1, strideW: 2, padH: 2, padW: 1),
        ConvGeometry(channels: 2, height: 4, width: 4, kernel: 5, stride: 1, padding: 2),
        ConvGeometry(channels: 1, height: 3, width: 3, kernel: 3, stride: 1, padding: 3),
    ]

    @Test(arguments: geometries)
    func convolutionByIm2colMatchesDirect(_ g: ConvGeometry) {
        var rng = SeededRNG(seed: 7)
        let outC = 5
        let x = (0..<g.inputSize).map { _ in rng.nextNormal() }
        let w = (0..<(outC * g.patchSize)).map { _ in rng.nextNormal() }
        var cols = [Float](repeating: .nan, count: g.patchSize * g.outPositions)
        x.withUnsafeBufferPointer { xp in
            cols.withUnsafeMutableBufferPointer { cp in
                Im2col.unfold(g, image: xp.baseAddress!, columns: cp.baseAddress!, ld: g.outPositions, padValue: 0)
            }
        }
        #expect(!cols.contains { $0.isNaN }, "every column entry is written")
        let y = Tensor(shape: [outC, g.patchSize], storage: w)
            .matmul(Tensor(shape: [g.patchSize, g.outPositions], storage: cols))
        let ref = directConv(x, w, outC: outC, g)
        for i in 0..<ref.count { #expect(abs(Double(y.storage[i]) - ref[i]) < 1e-4) }
    }

    /// col2im is the adjoint of im2col: <im2col(x), c> == <x, col2im(c)>.
    @Test(arguments: geometries)
    func foldIsAdjointOfUnfold(_ g: ConvGeometry) {
        var rng = SeededRNG(seed: 11)
        let x = (0..<g.inputSize).map { _ in rng.nextNormal() }
        let c = (0..<(g.patchSize * g.outPositions)).map { _ in rng.nextNormal() }
        var cols = [Float](repeating: 0, count: c.count)
        var back = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            cols.withUnsafeMutableBufferPointer { cp in
                Im2col.unfold(g, image: xp.baseAddress!, columns: cp.baseAddress!, ld: g.outPositions, padValue: 0)
            }
        }
        c.withUnsafeBufferPointer { cp in
            back.withUnsafeMutableBufferPointer { bp in
                Im2col.fold(g, columns: cp.baseAddress!, ld: g.outPositions, image: bp.baseAddress!)
            }
        }
        let lhs = zip(cols, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) < 1e-3 * (1 + abs(lhs)))
    }

    @Test func unfoldWritesIntoWideBatchedMatrix() {
        let g = ConvGeometry(channels: 2, height: 5, width: 5, kernel: 3, stride: 1, padding: 1)
        let x = (0..<(2 * g.inputSize)).map { Int32($0) }
        let ld = 2 * g.outPositions
        var cols = [Int32](repeating: -1, count: g.patchSize * ld)
        x.withUnsafeBufferPointer { xp in
            cols.withUnsafeMutableBufferPointer { cp in
                for n in 0..<2 {
                    Im2col.unfold(
                        g, image: xp.baseAddress! + n * g.inputSize,
                        columns: cp.baseAddress! + n * g.outPositions, ld: ld, padValue: 0)
                }
            }
        }
        // Centre tap (row c·9 + 4) of image 1 at output position p is the input pixel itself.
        for c in 0..<2 {
            for p in 0..<g.outPositions {
                #expect(cols[(c * 9 + 4) * ld + g.outPositions + p] == x[g.inputSize + c * 25 + p])
            }
        }
    }
}
