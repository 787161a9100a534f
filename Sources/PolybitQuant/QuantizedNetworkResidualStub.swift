// TEMPORARY (lead): replaced by the residual helper's stored property at merge.
extension QuantizedNetwork {
    public var residual: ResidualPath { .float }
}
