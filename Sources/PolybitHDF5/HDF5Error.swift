import CHDF5
import PolybitTensor

/// A failed HDF5 operation: which file, which object inside it, and what went wrong.
public struct HDF5Error: BadInput, Equatable {
    /// Path of the file on disk.
    public let file: String
    /// Object path inside the file (`/` for the file itself).
    public let object: String
    /// What went wrong, including HDF5's own innermost reason when it gave one.
    public let message: String

    public init(file: String, object: String, message: String) {
        self.file = file; self.object = object; self.message = message
    }

    public var description: String {
        object == "/" || object.isEmpty ? "\(file): \(message)" : "\(file): \(object): \(message)"
    }
}

/// Error-stack handling. Debian's HDF5 is a thread-safe build whose error stack is per thread:
/// every entry point silences automatic printing on its thread, and every failure clears the stack
/// on the thread that raised it (so nothing is printed at exit).
enum HDF5Errors {
    /// Turns off HDF5's automatic error printing on the calling thread.
    static func silence() {
        H5Eset_auto2(ph5_e_default(), nil, nil)
    }

    /// HDF5's innermost reason for the last failure on this thread; clears the stack.
    static func takeReason() -> String? {
        final class Box { var text: String? }
        let box = Box()
        let walker: H5E_walk2_t = { _, desc, context in
            guard let desc, let context else { return 0 }
            let box = Unmanaged<Box>.fromOpaque(context).takeUnretainedValue()
            if let text = desc.pointee.desc { box.text = String(cString: text) }
            return 0
        }
        let ctx = Unmanaged.passUnretained(box).toOpaque()
        H5Ewalk2(ph5_e_default(), H5E_WALK_UPWARD, walker, ctx)
        H5Eclear2(ph5_e_default())
        return box.text
    }

    /// An error for a failed call, with HDF5's reason appended; clears the stack.
    static func error(file: String, object: String, _ message: String) -> HDF5Error {
        let reason = takeReason()
        let full = reason.map { "\(message) (HDF5: \($0))" } ?? message
        return HDF5Error(file: file, object: object, message: full)
    }
}
