import CHDF5

/// How a dataset is laid out on disk.
public struct HDF5StorageOptions: Sendable {
    /// Chunk shape; nil chooses automatically (contiguous below 64 KiB, else chunks of about
    /// 256 KiB along the first dimension).
    public var chunks: [Int]?
    /// Deflate level 0–9 with the shuffle filter for chunked datasets; nil for no compression.
    public var deflateLevel: Int?

    public init(chunks: [Int]? = nil, deflateLevel: Int? = 4) {
        self.chunks = chunks; self.deflateLevel = deflateLevel
    }

    /// Contiguous, uncompressed.
    public static let contiguous = HDF5StorageOptions(chunks: [], deflateLevel: nil)
}

extension HDF5Group {
    /// Writes `values` (row-major) as a new dataset `name` of `shape` (an empty shape is a
    /// scalar). Intermediate groups are created. Fails if `name` exists.
    public func write<T: HDF5Scalar>(
        _ name: String, _ values: [T], shape: [Int],
        options: HDF5StorageOptions = HDF5StorageOptions()
    ) throws {
        HDF5Errors.silence()
        let count = shape.reduce(1, *)
        guard count == values.count else {
            throw HDF5Error(
                file: file.path, object: childPath(name),
                message: "shape \(shape) needs \(count) values, got \(values.count)")
        }
        if let slash = name.lastIndex(of: "/") {
            try createGroup(String(name[..<slash]))
        }
        let dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
        guard space >= 0 else { throw fail(name, "cannot create dataspace for shape \(shape)") }
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(ph5_p_dataset_create())
        defer { H5Pclose(dcpl) }
        if let chunks = chunkShape(
            shape: shape, elementBytes: MemoryLayout<T>.stride,
            requested: options.chunks)
        {
            let c = chunks.map { hsize_t($0) }
            H5Pset_chunk(dcpl, Int32(c.count), c)
            if let level = options.deflateLevel {
                H5Pset_shuffle(dcpl)
                H5Pset_deflate(dcpl, UInt32(max(0, min(9, level))))
            }
        }
        let did = H5Dcreate2(id, name, T.hdf5Type, space, ph5_p_default(), dcpl, ph5_p_default())
        guard did >= 0 else { throw fail(name, "cannot create dataset") }
        defer { H5Dclose(did) }
        let status = values.withUnsafeBufferPointer {
            H5Dwrite(did, T.hdf5Type, ph5_s_all(), ph5_s_all(), ph5_p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw fail(name, "cannot write dataset") }
    }

    /// Shape and stored element type of dataset `name`.
    public func datasetInfo(_ name: String) throws -> HDF5DatasetInfo {
        try withDataset(name) { did in
            let space = H5Dget_space(did)
            defer { H5Sclose(space) }
            let type = H5Dget_type(did)
            defer { H5Tclose(type) }
            return HDF5DatasetInfo(shape: dims(of: space), elementType: elementType(ofStored: type))
        }
    }

    /// Reads all of dataset `name`, converting numbers to `T` (HDF5 converts between numeric
    /// types; check `datasetInfo` first where the stored type matters). Fails for non-numeric data.
    public func read<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws -> HDF5Array<T> {
        try readRows(name, nil, as: type)
    }

    /// Reads rows `rows` (along the first dimension) of dataset `name`, or all rows when nil.
    public func readRows<T: HDF5Scalar>(
        _ name: String, _ rows: Range<Int>?,
        as type: T.Type = T.self
    ) throws -> HDF5Array<T> {
        try withDataset(name) { did in
            let ftype = H5Dget_type(did)
            defer { H5Tclose(ftype) }
            guard elementType(ofStored: ftype) != nil else {
                throw HDF5Error(
                    file: file.path, object: childPath(name),
                    message: "holds non-numeric data; expected \(T.elementType.rawValue) values")
            }
            let space = H5Dget_space(did)
            defer { H5Sclose(space) }
            var shape = dims(of: space)
            let stored = H5Dget_storage_size(did)
            guard HDF5SizeCheck.count(shape, elementBytes: H5Tget_size(ftype), storedBytes: stored) != nil else {
                throw fail(name, HDF5SizeCheck.tooLarge(shape, storedBytes: stored))
            }
            var memSpace = ph5_s_all()
            if let rows {
                guard !shape.isEmpty, rows.lowerBound >= 0, rows.upperBound <= shape[0] else {
                    throw HDF5Error(
                        file: file.path, object: childPath(name),
                        message: "rows \(rows) outside the dataset's shape \(shape)")
                }
                var start = [hsize_t](repeating: 0, count: shape.count)
                start[0] = hsize_t(rows.lowerBound)
                shape[0] = rows.count
                let count = shape.map { hsize_t($0) }
                H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nil, count, nil)
                memSpace = H5Screate_simple(Int32(count.count), count, nil)
            }
            defer { if rows != nil { H5Sclose(memSpace) } }
            var values = [T](repeating: T(), count: shape.reduce(1, *))
            let status = values.withUnsafeMutableBufferPointer {
                H5Dread(
                    did, T.hdf5Type, memSpace, rows == nil ? ph5_s_all() : space,
                    ph5_p_default(), $0.baseAddress)
            }
            guard status >= 0 else { throw fail(name, "cannot read dataset (corrupt or truncated file?)") }
            return HDF5Array(shape: shape, values: values)
        }
    }

    func withDataset<R>(_ name: String, _ body: (hid_t) throws -> R) throws -> R {
        HDF5Errors.silence()
        guard contains(name) else {
            throw HDF5Error(file: file.path, object: childPath(name), message: "no such dataset")
        }
        let did = H5Dopen2(id, name, ph5_p_default())
        guard did >= 0 else { throw fail(name, "cannot open as a dataset") }
        defer { H5Dclose(did) }
        return try body(did)
    }
}

/// Dimensions of a dataspace (empty for scalars).
func dims(of space: hid_t) -> [Int] {
    let rank = Int(H5Sget_simple_extent_ndims(space))
    guard rank > 0 else { return [] }
    var d = [hsize_t](repeating: 0, count: rank)
    H5Sget_simple_extent_dims(space, &d, nil)
    return d.map { Int(clamping: $0) }
}

/// The chunk shape for a dataset, or nil for contiguous storage.
func chunkShape(shape: [Int], elementBytes: Int, requested: [Int]?) -> [Int]? {
    if let requested { return requested.isEmpty ? nil : requested }
    let bytes = shape.reduce(1, *) * elementBytes
    guard !shape.isEmpty, bytes >= 64 * 1024, !shape.contains(0) else { return nil }
    let rowBytes = max(1, bytes / shape[0])
    var chunk = shape
    chunk[0] = max(1, min(shape[0], (256 * 1024) / rowBytes))
    return chunk
}
