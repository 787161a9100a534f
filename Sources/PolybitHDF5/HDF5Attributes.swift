import CHDF5

#if canImport(Glibc)
    import Glibc
#endif

extension HDF5Group {
    /// Sets attribute `key` on the object `object` below this group (`""` for this group itself),
    /// replacing any previous value. Strings are stored as variable-length UTF-8.
    public func setAttribute(_ key: String, _ value: HDF5AttributeValue, on object: String = "") throws {
        HDF5Errors.silence()
        let obj = object.isEmpty ? "." : object
        if H5Aexists_by_name(id, obj, key, ph5_p_default()) > 0 {
            H5Adelete_by_name(id, obj, key, ph5_p_default())
        }
        H5Eclear2(ph5_e_default())
        func create(_ type: hid_t, _ shape: [Int]?, _ write: (hid_t, hid_t) -> herr_t) throws {
            let space: hid_t
            if let shape {
                let d = shape.map { hsize_t($0) }
                space = H5Screate_simple(Int32(d.count), d, nil)
            } else {
                space = H5Screate(H5S_SCALAR)
            }
            defer { H5Sclose(space) }
            let aid = H5Acreate_by_name(
                id, obj, key, type, space, ph5_p_default(), ph5_p_default(),
                ph5_p_default())
            guard aid >= 0 else { throw attributeError(object, key, "cannot create attribute") }
            defer { H5Aclose(aid) }
            guard write(aid, type) >= 0 else { throw attributeError(object, key, "cannot write attribute") }
        }
        func numbers<T: HDF5Scalar>(_ v: [T], scalar: Bool) throws {
            try create(T.hdf5Type, scalar ? nil : [v.count]) { aid, t in
                v.withUnsafeBufferPointer { H5Awrite(aid, t, $0.baseAddress) }
            }
        }
        func strings(_ v: [String], scalar: Bool) throws {
            // Variable-length UTF-8, as h5py writes them (h5py reads them back as str, not bytes).
            let type = H5Tcopy(ph5_c_s1())
            defer { H5Tclose(type) }
            H5Tset_size(type, ph5_variable())
            H5Tset_cset(type, H5T_CSET_UTF8)
            let cStrings = v.map { strdup($0) }
            defer { for s in cStrings { free(s) } }
            try create(type, scalar ? nil : [v.count]) { aid, t in
                cStrings.withUnsafeBufferPointer { H5Awrite(aid, t, $0.baseAddress) }
            }
        }
        switch value {
        case .int(let v): try numbers([Int64(v)], scalar: true)
        case .double(let v): try numbers([v], scalar: true)
        case .float(let v): try numbers([v], scalar: true)
        case .string(let v): try strings([v], scalar: true)
        case .ints(let v): try numbers(v.map(Int64.init), scalar: false)
        case .doubles(let v): try numbers(v, scalar: false)
        case .floats(let v): try numbers(v, scalar: false)
        case .strings(let v): try strings(v, scalar: false)
        }
    }

    /// True when the object `object` (`""` for this group) has attribute `key`.
    public func hasAttribute(_ key: String, on object: String = "") -> Bool {
        HDF5Errors.silence()
        let r = H5Aexists_by_name(id, object.isEmpty ? "." : object, key, ph5_p_default())
        if r < 0 { H5Eclear2(ph5_e_default()) }
        return r > 0
    }

    /// Reads attribute `key` of `object` (`""` for this group). Integers read as `.int`/`.ints`,
    /// 32-bit floats as `.float`/`.floats`, 64-bit as `.double`/`.doubles`; fixed and
    /// variable-length strings (as h5py writes them) as `.string`/`.strings`.
    public func attribute(_ key: String, on object: String = "") throws -> HDF5AttributeValue {
        HDF5Errors.silence()
        let obj = object.isEmpty ? "." : object
        guard hasAttribute(key, on: object) else {
            throw HDF5Error(
                file: file.path, object: object.isEmpty ? path : childPath(object),
                message: "missing attribute '\(key)'")
        }
        let aid = H5Aopen_by_name(id, obj, key, ph5_p_default(), ph5_p_default())
        guard aid >= 0 else { throw attributeError(object, key, "cannot open attribute") }
        defer { H5Aclose(aid) }
        let space = H5Aget_space(aid)
        defer { H5Sclose(space) }
        let shape = dims(of: space)
        let scalar = shape.isEmpty
        let ftype = H5Aget_type(aid)
        defer { H5Tclose(ftype) }
        let stored = H5Aget_storage_size(aid)
        guard let count = HDF5SizeCheck.count(shape, elementBytes: H5Tget_size(ftype), storedBytes: stored) else {
            throw attributeError(object, key, HDF5SizeCheck.tooLarge(shape, storedBytes: stored))
        }
        switch H5Tget_class(ftype) {
        case H5T_INTEGER:
            var v = [Int64](repeating: 0, count: count)
            guard H5Aread(aid, Int64.hdf5Type, &v) >= 0 else { throw attributeError(object, key, "cannot read") }
            return scalar ? .int(Int(v[0])) : .ints(v.map { Int($0) })
        case H5T_FLOAT where H5Tget_size(ftype) == 4:
            var v = [Float](repeating: 0, count: count)
            guard H5Aread(aid, Float.hdf5Type, &v) >= 0 else { throw attributeError(object, key, "cannot read") }
            return scalar ? .float(v[0]) : .floats(v)
        case H5T_FLOAT:
            var v = [Double](repeating: 0, count: count)
            guard H5Aread(aid, Double.hdf5Type, &v) >= 0 else { throw attributeError(object, key, "cannot read") }
            return scalar ? .double(v[0]) : .doubles(v)
        case H5T_STRING:
            let strings = try readStrings(aid, ftype, space, count, object, key)
            return scalar ? .string(strings.first ?? "") : .strings(strings)
        default:
            throw HDF5Error(
                file: file.path, object: object.isEmpty ? path : childPath(object),
                message: "attribute '\(key)' has a type Polybit does not read")
        }
    }

    /// Names of all attributes of `object` (`""` for this group).
    public func attributeNames(on object: String = "") throws -> [String] {
        HDF5Errors.silence()
        final class Names { var list: [String] = [] }
        let names = Names()
        let ctx = Unmanaged.passUnretained(names).toOpaque()
        let visit: H5A_operator2_t = { _, name, _, context in
            guard let name, let context else { return 0 }
            Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().list.append(String(cString: name))
            return 0
        }
        var idx: hsize_t = 0
        if H5Aiterate_by_name(
            id, object.isEmpty ? "." : object, H5_INDEX_NAME, H5_ITER_INC, &idx,
            visit, ctx, ph5_p_default()) < 0
        {
            throw attributeError(object, "*", "cannot list attributes")
        }
        return names.list
    }

    private func readStrings(
        _ aid: hid_t, _ ftype: hid_t, _ space: hid_t, _ count: Int,
        _ object: String, _ key: String
    ) throws -> [String] {
        if H5Tis_variable_str(ftype) > 0 {
            let mtype = H5Tcopy(ph5_c_s1())
            defer { H5Tclose(mtype) }
            H5Tset_size(mtype, ph5_variable())
            H5Tset_cset(mtype, H5Tget_cset(ftype))
            var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(aid, mtype, &ptrs) >= 0 else { throw attributeError(object, key, "cannot read") }
            let out = ptrs.map { $0.map { String(cString: $0) } ?? "" }
            H5Dvlen_reclaim(mtype, space, ph5_p_default(), &ptrs)
            return out
        }
        let width = H5Tget_size(ftype)
        var bytes = [UInt8](repeating: 0, count: width * count)
        guard H5Aread(aid, ftype, &bytes) >= 0 else { throw attributeError(object, key, "cannot read") }
        return (0..<count).map { i in
            let slice = bytes[(i * width)..<((i + 1) * width)].prefix { $0 != 0 }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    private func attributeError(_ object: String, _ key: String, _ message: String) -> HDF5Error {
        HDF5Errors.error(
            file: file.path, object: object.isEmpty ? path : childPath(object),
            "\(message) '\(key)'")
    }
}
