import PolybitSim

extension ResNetIntegerPlan {
    /// The cost model's layer list of this plan: the workloads of the integer model it lowers to,
    /// through the same adapter as `cost --model` (`IntegerModel.workloads()`), so an analytic
    /// costing and the costing of the exported file cannot differ. The placeholder numbers are not
    /// checked (float precisions are costed as 32-bit operands, beyond any integer model file).
    public func workloads() throws -> [LayerWorkload] {
        var values = PlaceholderPlanValues()
        return try integerModel(values: &values).workloads(checkingValues: false)
    }
}
