import PolybitData
import PolybitTensor
import Testing

@Suite struct AugmentationTests {
    /// A 2×3×4 image with `value(c, y, x)` at each position.
    static func makeImage(_ value: (Int, Int, Int) -> Float) -> [Float] {
        var out: [Float] = []
        for c in 0..<2 { for y in 0..<3 { for x in 0..<4 { out.append(value(c, y, x)) } } }
        return out
    }

    /// Each value encodes its position: 100·c + 10·y + x.
    let image = makeImage { c, y, x in Float(100 * c + 10 * y + x) }

    func apply(_ t: ImageTransform, _ img: [Float]) -> [Float] {
        t.apply(to: img, channels: 2, height: 3, width: 4)
    }

    @Test func identityTransformsChangeNothing() {
        #expect(apply(.identity, image) == image)
        #expect(apply(ImageTransform(padding: 0, offsetY: 0, offsetX: 0), image) == image)
        #expect(apply(ImageTransform(padding: 2, offsetY: 2, offsetX: 2), image) == image)
    }

    @Test func flippingTwiceIsIdentity() {
        let flip = ImageTransform(flip: true)
        let once = apply(flip, image)
        #expect(once != image)
        #expect(Array(once[0..<4]) == [3, 2, 1, 0])
        #expect(apply(flip, once) == image)
    }

    @Test func cropShiftsPixels() {
        // Crop origin (3, 1) in the image padded by 2: output (y, x) = input (y + 1, x - 1).
        let out = apply(ImageTransform(padding: 2, offsetY: 3, offsetX: 1), image)
        let expected = Self.makeImage { c, y, x in
            let sy = y + 1, sx = x - 1
            return sy < 3 && sx >= 0 ? Float(100 * c + 10 * sy + sx) : 0
        }
        #expect(out == expected)
        #expect(Array(out[0..<4]) == [0, 10, 11, 12])
        #expect(Array(out[8..<12]) == [0, 0, 0, 0])
    }

    @Test func cropThenFlipMirrorsTheCrop() {
        let crop = ImageTransform(padding: 1, offsetY: 0, offsetX: 2)
        var both = crop
        both.flip = true
        let cropped = apply(crop, image)
        #expect(Array(cropped[4..<8]) == [1, 2, 3, 0])
        #expect(apply(both, image) == apply(ImageTransform(flip: true), cropped))
    }

    @Test func paddingLargerThanTheImageGivesZeros() {
        #expect(apply(ImageTransform(padding: 5, offsetY: 0, offsetX: 10), image).allSatisfy { $0 == 0 })
    }

    @Test func drawsStayInRangeAndAreSeeded() {
        let aug = Augmentation(padding: 4, flip: true)
        var a = SeededRNG(seed: 3), b = SeededRNG(seed: 3)
        let first = (0..<500).map { _ in aug.draw(using: &a) }
        #expect(first == (0..<500).map { _ in aug.draw(using: &b) })
        #expect(first.allSatisfy { (0...8).contains($0.offsetY) && (0...8).contains($0.offsetX) && $0.padding == 4 })
        #expect(Set(first.map(\.offsetX)).count == 9 && Set(first.map(\.offsetY)).count == 9)
        let flips = first.filter(\.flip).count
        #expect(flips > 200 && flips < 300)
        var c = SeededRNG(seed: 3)
        #expect(Augmentation.none.draw(using: &c) == .identity)
    }
}
