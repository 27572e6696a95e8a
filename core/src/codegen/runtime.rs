//! The C kernel library (`core/runtime/`), embedded in the binary so `nncube generate` can write it.

/// Directory of the runtime inside a generated tree.
pub const DIR: &str = "nncube_runtime";

/// Every runtime file: path relative to [`DIR`] and contents.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "include/nncube_fixedpoint.h",
        include_str!("../../runtime/include/nncube_fixedpoint.h"),
    ),
    (
        "include/nncube_kernels.h",
        include_str!("../../runtime/include/nncube_kernels.h"),
    ),
    (
        "include/nncube_simd.h",
        include_str!("../../runtime/include/nncube_simd.h"),
    ),
    (
        "include/nncube_network.h",
        include_str!("../../runtime/include/nncube_network.h"),
    ),
    (
        "src/nncube_add.c",
        include_str!("../../runtime/src/nncube_add.c"),
    ),
    (
        "src/nncube_conv.c",
        include_str!("../../runtime/src/nncube_conv.c"),
    ),
    (
        "src/nncube_conv_pool.c",
        include_str!("../../runtime/src/nncube_conv_pool.c"),
    ),
    (
        "src/nncube_depthwise.c",
        include_str!("../../runtime/src/nncube_depthwise.c"),
    ),
    (
        "src/nncube_elementwise.c",
        include_str!("../../runtime/src/nncube_elementwise.c"),
    ),
    (
        "src/nncube_fully_connected.c",
        include_str!("../../runtime/src/nncube_fully_connected.c"),
    ),
    (
        "src/nncube_matmul.c",
        include_str!("../../runtime/src/nncube_matmul.c"),
    ),
    (
        "src/nncube_pool.c",
        include_str!("../../runtime/src/nncube_pool.c"),
    ),
    (
        "src/nncube_quantize.c",
        include_str!("../../runtime/src/nncube_quantize.c"),
    ),
    (
        "src/nncube_shape.c",
        include_str!("../../runtime/src/nncube_shape.c"),
    ),
    (
        "src/nncube_softmax_f32.c",
        include_str!("../../runtime/src/nncube_softmax_f32.c"),
    ),
    (
        "src/nncube_softmax_s8.c",
        include_str!("../../runtime/src/nncube_softmax_s8.c"),
    ),
];
