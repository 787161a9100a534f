/// `⌊√n⌋` of a non-negative Int64 in integers only (Newton's iteration from a power of two above
/// the root, as I-BERT's LayerNorm does: Kim et al. 2021, Algorithm 4); 0 for `n ≤ 0`.
///
/// Starting at `x₀ = 2^⌈bits(n)/2⌉ ≥ √n`, `x ← (x + n / x) / 2` decreases monotonically to
/// `⌊√n⌋` (at most 32 steps for 63-bit `n`); it stops at the first step that does not decrease.
@inline(__always)
public func integerSquareRoot(_ n: Int64) -> Int64 {
    if n <= 0 { return 0 }
    let bits = 64 - n.leadingZeroBitCount
    var x = Int64(1) << ((bits + 1) / 2)
    while true {
        let next = (x + n / x) >> 1
        if next >= x { return x }
        x = next
    }
}
