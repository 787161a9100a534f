import Foundation
import PolybitHDF5
import PolybitTensor

/// The subsets of one redraw: for each trained precision its scores and chosen indices.
public struct CoresetDraw: Equatable {
    public var epoch: Int
    /// Precision names ("8-bit", "fp32"), highest first, as trained.
    public var precisions: [String]
    public var scores: [[Float]]
    public var subsets: [[Int]]

    public init(epoch: Int, precisions: [String], scores: [[Float]], subsets: [[Int]]) {
        self.epoch = epoch; self.precisions = precisions; self.scores = scores; self.subsets = subsets
    }

    /// `RUN/coresets/epoch<E>.h5`.
    public static func path(runDirectory: String, epoch: Int) -> String {
        runDirectory + "/coresets/epoch\(epoch).h5"
    }

    /// Writes `scores/<precision>` (float32 [N], NaN for images outside the candidate pool) and
    /// `subsets/<precision>` (int32 indices) with
    /// root attributes `epoch` and `precisions`, atomically.
    public func write(to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try HDF5File.writeAtomically(to: path) { f in
            try f.root.setAttribute("epoch", .int(epoch))
            try f.root.setAttribute("precisions", .strings(precisions))
            for (k, name) in precisions.enumerated() {
                try f.root.write("scores/" + name, scores[k], shape: [scores[k].count])
                try f.root.write("subsets/" + name, subsets[k].map { Int32($0) }, shape: [subsets[k].count])
            }
        }
    }

    public static func read(from path: String) throws -> CoresetDraw {
        let f = try HDF5File(path: path, mode: .readOnly)
        guard let epoch = try f.root.attribute("epoch").intValue,
            let names = try f.root.attribute("precisions").stringsValue
        else {
            throw InputError("\(path): not a coreset file (attributes epoch, precisions)")
        }
        return CoresetDraw(
            epoch: epoch, precisions: names,
            scores: try names.map { try f.root.read("scores/" + $0, as: Float.self).values },
            subsets: try names.map { try f.root.read("subsets/" + $0, as: Int32.self).values.map { Int($0) } })
    }
}
