import Foundation
import PolybitHDF5
import PolybitTestSupport
import Testing

/// A corrupt object size in a global heap collection (where text attributes live) is refused
/// when the file is opened, naming the file and the byte, instead of crashing inside libhdf5.
@Suite struct GlobalHeapTests {
    /// A file with one text attribute; its bytes and the offset of its collection's `"GCOL"`.
    func fileWithText() throws -> (path: String, bytes: [UInt8], collection: Int) {
        let path = temporaryDirectory() + "/text.h5"
        let file = try HDF5File(path: path, mode: .truncate)
        try file.root.setAttribute("recipe", .string("{\"model\": \"resnet20\"}"))
        file.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let collection = try #require((0..<bytes.count - 4).first { bytes[$0..<$0 + 4] == [0x47, 0x43, 0x4F, 0x4C] })
        return (path, bytes, collection)
    }

    @Test func validCollectionsOpenAndRead() throws {
        let (path, _, _) = try fileWithText()
        let file = try HDF5File(path: path, mode: .readOnly)
        #expect(try file.root.attribute("recipe").stringValue == "{\"model\": \"resnet20\"}")
    }

    /// The first object's size (after the 16-byte collection header, at +8 in the object) set
    /// to 2^40: the collection is 4096 bytes.
    @Test func anObjectSizeBeyondItsCollectionIsRefused() throws {
        var (path, bytes, collection) = try fileWithText()
        let sizeField = collection + 16 + 8
        for k in 0..<8 { bytes[sizeField + k] = k == 5 ? 1 : 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try HDF5File(path: path, mode: .readOnly)
            Issue.record("a corrupt collection was opened")
        } catch let error as HDF5Error {
            #expect(error.file == path)
            #expect(error.message.contains("corrupt global heap collection at byte \(collection)"), "\(error)")
            #expect(error.message.contains("claims 1099511627776 bytes"), "\(error)")
        }
    }
}
