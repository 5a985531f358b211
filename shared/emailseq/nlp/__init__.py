"""Reading replies: sentence embeddings (MiniLM, int8 ONNX on onnxruntime) and the classifier head on them.
Imported only by the replies function, whose layer carries onnxruntime, tokenizers, numpy and the model."""
