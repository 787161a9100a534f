// PolybitSearch: picking bit-widths for a device budget (ALGORITHMS.md §7), what `polybit pick`
// runs. `CheckpointPick` sweeps the uniform widths of a multi-bit checkpoint and runs
// `GreedySearch` (bidirectional, per layer, cached) over a `SearchSpace`; accuracy comes from the
// fake-quantized network on a validation split of the training images, cost from the analytic
// ResNet on hardware profiles against `Budgets`; `PickReport` holds the picks and the Pareto front.
