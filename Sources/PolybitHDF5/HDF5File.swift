import CHDF5
import Foundation

/// An open HDF5 file. Closed when the last reference (including its groups) goes away, or by
/// `close()`.
public final class HDF5File: @unchecked Sendable {
    /// How to open a file.
    public enum Mode: Sendable {
        /// Read only; the file must exist and be HDF5.
        case readOnly
        /// Read and write; the file must exist and be HDF5.
        case readWrite
        /// Create, replacing any existing file.
        case truncate
    }

    /// Path on disk.
    public let path: String
    let id: hid_t
    private var isOpen = true

    /// Opens or creates the file at `path`. HDF5's file locking is off: Polybit replaces files
    /// atomically (temporary file + rename) instead, and a lock inherited by a child process
    /// would outlive `close()`.
    public init(path: String, mode: Mode) throws {
        HDF5Errors.silence()
        self.path = path
        switch mode {
        case .readOnly, .readWrite:
            guard FileManager.default.fileExists(atPath: path) else {
                throw HDF5Error(file: path, object: "/", message: "no such file")
            }
            guard HDF5File.isHDF5(path: path) else {
                throw HDF5Error(
                    file: path, object: "/",
                    message: "not an HDF5 file (no HDF5 signature; truncated or another format)")
            }
            try HDF5GlobalHeapCheck.validate(path: path)
            let flags = mode == .readOnly ? ph5_f_acc_rdonly() : ph5_f_acc_rdwr()
            let fapl = ph5_fapl_without_locking()
            defer { H5Pclose(fapl) }
            let fid = H5Fopen(path, flags, fapl)
            guard fid >= 0 else {
                throw HDF5Errors.error(file: path, object: "/", "cannot open the file (corrupt or truncated?)")
            }
            id = fid
        case .truncate:
            let fapl = ph5_fapl_without_locking()
            defer { H5Pclose(fapl) }
            let fid = H5Fcreate(path, ph5_f_acc_trunc(), ph5_p_default(), fapl)
            guard fid >= 0 else {
                throw HDF5Errors.error(file: path, object: "/", "cannot create the file")
            }
            id = fid
        }
    }

    deinit { close() }

    /// Flushes and closes the file; later use of its groups fails with an error.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        HDF5Errors.silence()
        H5Fclose(id)
        H5Eclear2(ph5_e_default())
    }

    /// Writes buffered data to disk.
    public func flush() throws {
        HDF5Errors.silence()
        if H5Fflush(id, H5F_SCOPE_GLOBAL) < 0 {
            throw HDF5Errors.error(file: path, object: "/", "cannot flush")
        }
    }

    /// The root group `/`.
    public var root: HDF5Group { HDF5Group(file: self, id: -1, path: "/") }

    /// True when `path` exists and starts with an HDF5 signature.
    public static func isHDF5(path: String) -> Bool {
        HDF5Errors.silence()
        let r = H5Fis_hdf5(path)
        if r < 0 { H5Eclear2(ph5_e_default()) }
        return r > 0
    }

    /// Writes a new file at `path` atomically: `body` fills a temporary file beside it, which then
    /// replaces `path` by rename. If `body` throws, `path` is left as it was.
    public static func writeAtomically(to path: String, _ body: (HDF5File) throws -> Void) throws {
        let tmp = path + ".tmp-\(getpid())"
        var file: HDF5File?
        do {
            file = try HDF5File(path: tmp, mode: .truncate)
            try body(file!)
            try file!.flush()
            file!.close()
            if rename(tmp, path) != 0 {
                throw HDF5Error(
                    file: path, object: "/",
                    message: "cannot move the finished file into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            // Close before unlinking: HDF5 tracks open files by inode, which the system may reuse.
            file?.close()
            unlink(tmp)
            throw error
        }
    }
}
