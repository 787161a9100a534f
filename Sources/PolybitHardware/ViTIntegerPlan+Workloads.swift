import PolybitSim

extension ViTIntegerPlan {
    /// The cost model's layer list of this plan: the workloads of the integer model it lowers to,
    /// through the same adapter as `cost --model` (`IntegerModel.workloads()`), so an analytic
    /// costing (what `pick` needs for a ViT checkpoint) and the costing of the exported file cannot
    /// differ. The placeholder numbers are not checked (float precisions are 32-bit operands).
    public func workloads() throws -> [LayerWorkload] {
        var values = PlaceholderViTPlanValues()
        return try integerModel(values: &values).workloads(checkingValues: false)
    }
}
