import PolybitSim

extension ONNXExport {
    /// The graph: input `input` `[N, C, H, W]` (int8 for a signed input, uint8 for an unsigned one,
    /// holding the model's input integers), one group of nodes per layer, and output named after
    /// the last layer (int8 or uint8, the model's output integers). Internal tensors are named
    /// `<layer>/<part>` (Polybit layer names never contain `/`).
    static func graph(_ model: IntegerModel, file: String) throws -> Onnx_GraphProto {
        let shapes = try model.shapes(file: file)
        var b = ONNXGraphBuilder()
        let inputName = IntegerModel.inputName
        let inputContainer = ActivationContainer(model.input)
        var names = [inputName: inputName]
        var containers = [inputName: inputContainer]
        if !model.input.signed && !inputContainer.wide {
            names[inputName] = b.recode(
                inputName, from: Int32(inputContainer.offset), fromType: .uint8, toType: .int8, toZero: 0,
                output: inputName + "/codes")
        }
        for (i, layer) in model.layers.enumerated() {
            let out = ActivationContainer(layer.output)
            let last = i == model.layers.count - 1
            let outName = last && !layer.output.signed && !out.wide ? layer.name + "/codes" : layer.name
            try b.emit(
                LayerSite(
                    layer: layer, inputs: layer.inputs.map { names[$0]! },
                    inputContainers: layer.inputs.map { containers[$0]! }, inputShape: shapes[layer.inputs[0]]!,
                    output: out, outputName: outName, file: file))
            names[layer.name] = outName
            containers[layer.name] = out
        }
        let lastLayer = model.layers.last!
        let outContainer = containers[lastLayer.name]!
        if !lastLayer.output.signed && !outContainer.wide {
            b.recode(
                names[lastLayer.name]!, from: Int32(-outContainer.offset), fromType: .int8, toType: .uint8,
                toZero: 0, output: lastLayer.name)
        }
        var g = Onnx_GraphProto()
        g.name = "polybit"
        g.node = b.nodes
        g.initializer = b.initializers
        g.input = [valueInfo(inputName, inputContainer.boundaryType, model.inputShape)]
        g.output = [valueInfo(lastLayer.name, outContainer.boundaryType, shapes[lastLayer.name]!)]
        return g
    }

    /// A tensor value info `[N] + shape` of element type `type` (N symbolic).
    static func valueInfo(_ name: String, _ type: Onnx_TensorProto.DataType, _ shape: [Int])
        -> Onnx_ValueInfoProto
    {
        var t = Onnx_TypeProto.Tensor()
        t.elemType = Int32(type.rawValue)
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        t.shape.dim =
            [batch]
            + shape.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                dim.dimValue = Int64(d)
                return dim
            }
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type.tensorType = t
        return v
    }
}
