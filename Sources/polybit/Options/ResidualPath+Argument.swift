import ArgumentParser
import PolybitQuant

extension ResidualPath: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}
