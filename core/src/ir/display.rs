//! The IR's text form, used by golden tests and `nncube analyze --dump-ir`.
//!
//! One line per graph input, node and output; constants are shown by type and size only.
//! ```text
//! graph hello_world_int8
//!   input  t0 "serving_default_dense_input:0" i8[1,1] {s=2.448e-2 zp=-128}
//!   n0 "sequential/dense/MatMul" = fully-connected(act=relu)(t0, t1:const i8[16,1], t2:const i32[16]) -> t3 i8[1,16] {…}
//!   output t9 "StatefulPartitionedCall:0"
//! ```

use super::Graph;
use std::fmt;

impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "graph {}", self.name)?;
        for &t in &self.inputs {
            let tensor = self.tensor(t);
            writeln!(f, "  input  {t} {:?} {}", tensor.name, tensor.ty)?;
        }
        for id in self.node_ids() {
            let node = self.node(id);
            write!(f, "  {id} {:?} = {}(", node.name, node.op)?;
            for (i, inp) in node.inputs.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                match inp {
                    None => f.write_str("-")?,
                    Some(t) => {
                        let tensor = self.tensor(*t);
                        if tensor.is_const() {
                            write!(f, "{t}:const {}", tensor.ty)?;
                        } else {
                            write!(f, "{t}")?;
                        }
                    }
                }
            }
            f.write_str(") ->")?;
            for &t in &node.outputs {
                write!(f, " {t} {}", self.tensor(t).ty)?;
            }
            if !node.fused.is_empty() {
                write!(f, " fused=[{}]", node.fused.join(", "))?;
            }
            writeln!(f)?;
        }
        for &t in &self.outputs {
            writeln!(f, "  output {t} {:?}", self.tensor(t).name)?;
        }
        Ok(())
    }
}
