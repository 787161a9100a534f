import CHDF5
import Foundation
import PolybitHDF5
import PolybitTestSupport
import Testing

/// A file whose header claims far more data than it stores gets an error before any allocation.
@Suite struct ClaimedSizeTests {
    /// A dataset of `shape` float32 created without writing any value (its chunks never allocated,
    /// so the file stays a few KiB whatever the shape).
    func fileClaiming(_ shape: [UInt64]) -> String {
        let path = temporaryDirectory() + "/claims.h5"
        let fid = H5Fcreate(path, ph5_f_acc_trunc(), ph5_p_default(), ph5_p_default())
        let space = H5Screate_simple(Int32(shape.count), shape, nil)
        let dcpl = H5Pcreate(ph5_p_dataset_create())
        var chunk = shape.map { _ in hsize_t(1) }
        H5Pset_chunk(dcpl, Int32(chunk.count), &chunk)
        let did = H5Dcreate2(fid, "weights", ph5_native_float(), space, ph5_p_default(), dcpl, ph5_p_default())
        H5Dclose(did); H5Pclose(dcpl); H5Sclose(space); H5Fclose(fid)
        return path
    }

    @Test func aBillionWideTensorIsRefusedBeforeAllocating() throws {
        let file = try HDF5File(path: fileClaiming([1_000_000_000, 4]), mode: .readOnly)
        #expect(try file.root.datasetInfo("weights").shape == [1_000_000_000, 4])
        #expect {
            _ = try file.root.read("weights", as: Float.self)
        } throws: { error in
            "\(error)".contains(
                "/weights: shape [1000000000, 4] claims more data than the file stores for it (0 bytes)")
        }
    }

    @Test func aShapeWhoseProductOverflowsIsRefused() throws {
        let file = try HDF5File(path: fileClaiming([1 << 62, 4]), mode: .readOnly)
        #expect {
            _ = try file.root.read("weights", as: Float.self)
        } throws: { error in
            "\(error)".contains("claims more data than the file stores")
        }
    }

    @Test func smallUnwrittenDatasetsStillReadAsTheFillValue() throws {
        let file = try HDF5File(path: fileClaiming([3, 2]), mode: .readOnly)
        #expect(try file.root.read("weights", as: Float.self).values == [Float](repeating: 0, count: 6))
    }
}
