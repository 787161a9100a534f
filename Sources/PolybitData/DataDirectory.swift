import Foundation

/// Checks on directories that hold dataset files.
enum DataDirectory {
    /// Fails unless `path` is an existing directory; `holding` says what it should contain.
    static func require(_ path: String, holding: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, "no such data directory; expected a directory with \(holding)")
        }
        guard isDirectory.boolValue else {
            throw DataError(file: path, "is not a directory; expected a directory with \(holding)")
        }
    }
}
