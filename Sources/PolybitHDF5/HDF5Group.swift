import CHDF5

/// A group inside an HDF5 file (the root group included). Paths are relative to this group
/// and may contain `/` (e.g. `"layers/conv1"`).
public final class HDF5Group: @unchecked Sendable {
    /// The file this group belongs to (kept open while the group lives).
    public let file: HDF5File
    /// Absolute path of the group inside the file.
    public let path: String
    let ownID: hid_t

    init(file: HDF5File, id: hid_t, path: String) {
        self.file = file; self.ownID = id; self.path = path
    }

    deinit { if ownID >= 0 { H5Gclose(ownID) } }

    /// The HDF5 location identifier of this group.
    var id: hid_t { ownID >= 0 ? ownID : file.id }

    /// Absolute path of `name` under this group.
    func childPath(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }

    func fail(_ name: String, _ message: String) -> HDF5Error {
        HDF5Errors.error(file: file.path, object: name.isEmpty ? path : childPath(name), message)
    }

    /// True when a link `name` (group or dataset, any depth) exists below this group.
    public func contains(_ name: String) -> Bool {
        HDF5Errors.silence()
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            let r = H5Lexists(id, prefix, ph5_p_default())
            if r <= 0 { H5Eclear2(ph5_e_default()); return false }
        }
        return !prefix.isEmpty
    }

    /// Creates a group (and any missing intermediate groups) and returns it.
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        HDF5Errors.silence()
        if contains(name) { return try group(name) }
        let lcpl = H5Pcreate(ph5_p_link_create())
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        let gid = H5Gcreate2(id, name, lcpl, ph5_p_default(), ph5_p_default())
        guard gid >= 0 else { throw fail(name, "cannot create group") }
        return HDF5Group(file: file, id: gid, path: childPath(name))
    }

    /// Opens an existing group.
    public func group(_ name: String) throws -> HDF5Group {
        HDF5Errors.silence()
        guard contains(name) else {
            throw HDF5Error(file: file.path, object: childPath(name), message: "no such group")
        }
        let gid = H5Gopen2(id, name, ph5_p_default())
        guard gid >= 0 else { throw fail(name, "cannot open as a group") }
        return HDF5Group(file: file, id: gid, path: childPath(name))
    }

    /// Names of the direct children (groups and datasets), in creation-independent name order.
    public func childNames() throws -> [String] {
        HDF5Errors.silence()
        final class Names { var list: [String] = [] }
        let names = Names()
        let ctx = Unmanaged.passUnretained(names).toOpaque()
        let visit: H5L_iterate_t = { _, name, _, context in
            guard let name, let context else { return 0 }
            Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().list.append(String(cString: name))
            return 0
        }
        var idx: hsize_t = 0
        if H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, &idx, visit, ctx) < 0 {
            throw fail("", "cannot list children")
        }
        return names.list
    }

    /// True when `name` is a group (false for datasets and missing links).
    public func isGroup(_ name: String) -> Bool {
        guard contains(name) else { return false }
        HDF5Errors.silence()
        var info = H5O_info_t()
        let r = H5Oget_info_by_name2(id, name, &info, UInt32(H5O_INFO_BASIC), ph5_p_default())
        if r < 0 { H5Eclear2(ph5_e_default()); return false }
        return info.type == H5O_TYPE_GROUP
    }
}
