import CHDF5

/// A numeric element type that HDF5 stores natively.
public protocol HDF5Scalar: Sendable {
    /// The HDF5 native memory type of this Swift type.
    static var hdf5Type: hid_t { get }
    /// How this type is named in the schema and in error messages.
    static var elementType: HDF5ElementType { get }
    init()
}

/// Element types of HDF5 datasets as Polybit names them.
public enum HDF5ElementType: String, Sendable, Equatable, CaseIterable {
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64

    /// True for the integer types.
    public var isInteger: Bool { self != .float32 && self != .float64 }
    /// True for the signed integer types.
    public var isSigned: Bool { [.int8, .int16, .int32, .int64].contains(self) }
    /// Bits per element.
    public var bits: Int {
        switch self {
        case .int8, .uint8: 8
        case .int16, .uint16: 16
        case .int32, .uint32, .float32: 32
        case .int64, .uint64, .float64: 64
        }
    }
}

extension Float: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_float() }
    public static var elementType: HDF5ElementType { .float32 }
}
extension Double: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_double() }
    public static var elementType: HDF5ElementType { .float64 }
}
extension Int8: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_int8() }
    public static var elementType: HDF5ElementType { .int8 }
}
extension UInt8: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_uint8() }
    public static var elementType: HDF5ElementType { .uint8 }
}
extension Int16: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_int16() }
    public static var elementType: HDF5ElementType { .int16 }
}
extension UInt16: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_uint16() }
    public static var elementType: HDF5ElementType { .uint16 }
}
extension Int32: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_int32() }
    public static var elementType: HDF5ElementType { .int32 }
}
extension UInt32: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_uint32() }
    public static var elementType: HDF5ElementType { .uint32 }
}
extension Int64: HDF5Scalar {
    public static var hdf5Type: hid_t { ph5_native_int64() }
    public static var elementType: HDF5ElementType { .int64 }
}

/// The element type of a stored HDF5 datatype, or nil for types Polybit does not read
/// (compound, enum, string, ...).
func elementType(ofStored type: hid_t) -> HDF5ElementType? {
    let size = H5Tget_size(type)
    switch H5Tget_class(type) {
    case H5T_INTEGER:
        let signed = H5Tget_sign(type) == H5T_SGN_2
        switch size {
        case 1: return signed ? .int8 : .uint8
        case 2: return signed ? .int16 : .uint16
        case 4: return signed ? .int32 : .uint32
        case 8: return signed ? .int64 : .uint64
        default: return nil
        }
    case H5T_FLOAT:
        return size == 4 ? .float32 : size == 8 ? .float64 : nil
    default:
        return nil
    }
}

/// A dataset read into memory: row-major values and the shape they fill.
public struct HDF5Array<Element: HDF5Scalar>: Sendable {
    /// Extent of each dimension, outermost first (empty for a scalar).
    public var shape: [Int]
    /// Elements in row-major order.
    public var values: [Element]

    public init(shape: [Int], values: [Element]) {
        self.shape = shape; self.values = values
    }
}

/// What a dataset holds, without reading it.
public struct HDF5DatasetInfo: Sendable, Equatable {
    /// Extent of each dimension.
    public var shape: [Int]
    /// Stored element type, or nil when Polybit cannot read it as numbers.
    public var elementType: HDF5ElementType?
}

/// An attribute value: integers, floats, strings, or arrays of them.
public enum HDF5AttributeValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case float(Float)
    case string(String)
    case ints([Int])
    case doubles([Double])
    case floats([Float])
    case strings([String])

    /// The value as an integer, if it is one (a float with an integral value counts).
    public var intValue: Int? {
        switch self {
        case .int(let v): v
        case .double(let v) where v == v.rounded() && abs(v) < 9e15: Int(v)
        case .float(let v) where v == v.rounded() && abs(v) < 1.6e7: Int(v)
        default: nil
        }
    }
    /// The value as a Double, if it is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let v): v
        case .float(let v): Double(v)
        default: nil
        }
    }
    /// The value as a string, if it is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    /// The value as an integer array (a scalar integer is a one-element array).
    public var intsValue: [Int]? {
        switch self {
        case .ints(let v): v
        case .int(let v): [v]
        default: nil
        }
    }
    /// The value as a Double array (scalars and integer arrays convert).
    public var doublesValue: [Double]? {
        switch self {
        case .doubles(let v): v
        case .floats(let v): v.map(Double.init)
        case .ints(let v): v.map(Double.init)
        case .int, .double, .float: doubleValue.map { [$0] }
        default: nil
        }
    }
    /// The value as a string array (a scalar string is a one-element array).
    public var stringsValue: [String]? {
        switch self {
        case .strings(let v): v
        case .string(let v): [v]
        default: nil
        }
    }
}
