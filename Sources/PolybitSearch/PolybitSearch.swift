/// PolybitSearch: picking bit-widths for a device budget (uniform sweep, bidirectional greedy
/// per-layer search, Pareto front; ALGORITHMS.md §7). Not built yet: `polybit pick` says so and
/// exits 1. The pieces it will combine exist: `Evaluator.evaluate(_:at:trained:on:)` (accuracy of
/// a multi-bit checkpoint at any precision or `PrecisionPolicy`) and `CostModel` (cost on a profile).
enum PolybitSearch {}
