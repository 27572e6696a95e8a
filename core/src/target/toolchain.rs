//! Locating the C toolchains and the flags a board implies.
//!
//! The Arm cross compiler is `arm-none-eabi-gcc` from `$NNCUBE_ARM_GCC` or the `PATH`; its binutils (`size`) are
//! taken from the same directory. The host compiler (for reference builds of the same C) is `$NNCUBE_HOST_CC` or
//! `cc` from the `PATH`.

use super::{Board, TargetError};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable that overrides the path of `arm-none-eabi-gcc`.
const ARM_GCC_ENV: &str = "NNCUBE_ARM_GCC";
/// Environment variable that overrides the host C compiler.
const HOST_CC_ENV: &str = "NNCUBE_HOST_CC";

/// Finds `name` in the directories of `$PATH`.
fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Resolves a program: `override_path` if given (it must exist; callers pass the value of `env_var`), else
/// `default_name` from the `PATH`.
pub fn locate_program(
    default_name: &str,
    override_path: Option<PathBuf>,
    env_var: &str,
    package: &str,
) -> Result<PathBuf, TargetError> {
    resolve_program(default_name, override_path, env_var).map_err(|detail| {
        TargetError::ToolMissing {
            program: default_name.to_string(),
            detail,
            package: package.to_string(),
            env_var: env_var.to_string(),
        }
    })
}

/// [`locate_program`] without the error type: on failure, where it looked.
fn resolve_program(
    default_name: &str,
    override_path: Option<PathBuf>,
    env_var: &str,
) -> Result<PathBuf, String> {
    match override_path {
        Some(path) if path.is_file() => Ok(path),
        Some(path) => Err(format!("{env_var}={} does not exist", path.display())),
        None => find_in_path(default_name).ok_or_else(|| "not in PATH".to_string()),
    }
}

/// Runs a command to completion and returns its stdout; a non-zero exit becomes [`TargetError::ToolFailed`].
pub(crate) fn run_tool(command: &mut Command) -> Result<String, TargetError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let args: Vec<String> = command
        .get_args()
        .take(4)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let described = format!("{program} {}", args.join(" "));
    let output = command.output().map_err(|e| TargetError::ToolFailed {
        command: described.clone(),
        detail: e.to_string(),
    })?;
    if !output.status.success() {
        return Err(TargetError::ToolFailed {
            command: described,
            detail: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The GNU Arm Embedded toolchain: compiler driver and the `size` tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmToolchain {
    /// `arm-none-eabi-gcc`.
    pub gcc: PathBuf,
    /// `arm-none-eabi-size`.
    pub size: PathBuf,
    /// Stops a running compilation when set (compiles started afterwards stop at once).
    pub cancel: super::CancelToken,
}

impl ArmToolchain {
    /// Finds the toolchain (`$NNCUBE_ARM_GCC` or the `PATH`); the error names the Debian package to install.
    pub fn locate() -> Result<ArmToolchain, TargetError> {
        ArmToolchain::locate_with(std::env::var_os(ARM_GCC_ENV).map(PathBuf::from))
    }

    /// Finds the toolchain with `gcc` as the compiler when given, else `arm-none-eabi-gcc` from the `PATH`.
    fn locate_with(gcc: Option<PathBuf>) -> Result<ArmToolchain, TargetError> {
        let gcc = locate_program("arm-none-eabi-gcc", gcc, ARM_GCC_ENV, "gcc-arm-none-eabi")?;
        let size = sibling_tool(&gcc, "size")
            .or_else(|| find_in_path("arm-none-eabi-size"))
            .ok_or_else(|| TargetError::ToolMissing {
                program: "arm-none-eabi-size".to_string(),
                detail: format!("not next to {} nor in PATH", gcc.display()),
                package: "binutils-arm-none-eabi".to_string(),
                env_var: ARM_GCC_ENV.to_string(),
            })?;
        Ok(ArmToolchain {
            gcc,
            size,
            cancel: super::CancelToken::new(),
        })
    }

    /// The code-generation flags for a board: `-mcpu`, `-mthumb`, and the float ABI and FPU from the board's FPU.
    pub fn cpu_flags(board: &Board) -> Vec<String> {
        let mut flags = vec![
            format!("-mcpu={}", board.core.gcc_cpu()),
            "-mthumb".to_string(),
        ];
        match board.fpu.gcc_fpu() {
            Some(fpu) => {
                flags.push("-mfloat-abi=hard".to_string());
                flags.push(format!("-mfpu={fpu}"));
            }
            None => flags.push("-mfloat-abi=soft".to_string()),
        }
        flags
    }
}

/// `dir/arm-none-eabi-<tool>` for a compiler at `dir/arm-none-eabi-gcc`, if it exists.
fn sibling_tool(gcc: &Path, tool: &str) -> Option<PathBuf> {
    let name = gcc.file_name()?.to_str()?;
    let prefix = name.strip_suffix("gcc")?;
    let candidate = gcc.with_file_name(format!("{prefix}{tool}"));
    candidate.is_file().then_some(candidate)
}

/// The host C compiler, used to build the reference (host) version of the same C sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCompiler {
    /// The compiler driver (`cc`, `gcc` or `clang`).
    pub cc: PathBuf,
}

impl HostCompiler {
    /// Finds the host compiler (`$NNCUBE_HOST_CC` or `cc` in the `PATH`).
    pub fn locate() -> Result<HostCompiler, TargetError> {
        Ok(HostCompiler {
            cc: locate_program(
                "cc",
                std::env::var_os(HOST_CC_ENV).map(PathBuf::from),
                HOST_CC_ENV,
                "gcc",
            )?,
        })
    }

    /// Compiles and links `sources` into the executable `exe` (C99, `-O2`, warnings are errors).
    pub fn build_executable(
        &self,
        sources: &[PathBuf],
        include_dirs: &[PathBuf],
        defines: &[(String, String)],
        exe: &Path,
    ) -> Result<(), TargetError> {
        let mut cmd = Command::new(&self.cc);
        cmd.args(["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"]);
        for dir in include_dirs {
            cmd.arg("-I").arg(dir);
        }
        for (key, value) in defines {
            cmd.arg(format!("-D{key}={value}"));
        }
        cmd.args(sources).arg("-o").arg(exe);
        let output = cmd.output().map_err(|e| TargetError::ToolFailed {
            command: self.cc.display().to_string(),
            detail: e.to_string(),
        })?;
        if !output.status.success() {
            return Err(TargetError::Compile {
                file: sources.first().cloned().unwrap_or_default(),
                board: "host".to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_compiler_names_the_debian_package() {
        let err = ArmToolchain::locate_with(Some(PathBuf::from("/nonexistent/arm-none-eabi-gcc")))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("gcc-arm-none-eabi"), "{text}");
        assert!(text.contains("/nonexistent/arm-none-eabi-gcc"), "{text}");
        assert!(text.contains(ARM_GCC_ENV), "{text}");
    }

    #[test]
    fn board_flags_follow_core_and_fpu() {
        let h7 = Board::find("nucleo-h743zi2").unwrap();
        assert_eq!(
            ArmToolchain::cpu_flags(&h7),
            [
                "-mcpu=cortex-m7",
                "-mthumb",
                "-mfloat-abi=hard",
                "-mfpu=fpv5-d16"
            ]
        );
        let g0 = Board::find("nucleo-g0b1re").unwrap();
        assert_eq!(
            ArmToolchain::cpu_flags(&g0),
            ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"]
        );
        let f7 = Board::find("stm32f746g-disco").unwrap();
        assert!(ArmToolchain::cpu_flags(&f7).contains(&"-mfpu=fpv5-sp-d16".to_string()));
    }
}
