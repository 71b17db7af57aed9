# Reads a Dockerfile (sourced by the scripts that build what it builds without a container engine).
#
# dockerfile_steps FILE prints one instruction per line as "STAGE<TAB>INSTRUCTION<TAB>ARGUMENTS":
# continuation lines joined, comments and blank lines dropped, STAGE the name after `AS` (or the
# stage's index when it has none). The callers carry out FROM, RUN, WORKDIR, COPY, USER and
# ENTRYPOINT and refuse any other instruction, so that a new one cannot be skipped silently.
dockerfile_steps() {
  awk '
    function flush() {
      if (line == "") return
      instr = toupper(line); sub(/[ \t].*/, "", instr)
      args = line; sub(/^[^ \t]+[ \t]+/, "", args)
      if (instr == "FROM") { n++; stage = n - 1; if (match(args, /[ \t]+[Aa][Ss][ \t]+[^ \t]+$/)) { stage = substr(args, RSTART); sub(/.*[ \t]/, "", stage) } }
      printf "%s\t%s\t%s\n", stage, instr, args
      line = ""
    }
    /^[ \t]*#/ && line == "" { next }
    /^[ \t]*$/ { next }
    {
      s = $0; sub(/^[ \t]+/, "", s)
      if (s ~ /\\[ \t]*$/) { sub(/\\[ \t]*$/, "", s); line = line s " "; next }
      line = line s; flush()
    }
    END { flush() }
  ' "$1"
}

# dockerfile_apt_packages "RUN ARGUMENTS" prints the packages an `apt-get install` in it names, one a line.
dockerfile_apt_packages() {
  tr ' ' '\n' <<<"$1" | awk '/^install$/ {on=1; next} on && /^(&&|;|\|\|)$/ {on=0} on && !/^-/ && NF' 
}

# dockerfile_entrypoint "ENTRYPOINT ARGUMENTS" prints the exec form's words, one a line.
dockerfile_entrypoint() {
  sed -e 's/^\[//' -e 's/\]$//' <<<"$1" | tr ',' '\n' | sed -e 's/^[ \t]*"//' -e 's/"[ \t]*$//'
}

# dockerfile_copy SRC DST: Docker's COPY of one source: a directory's contents into DST, a file
# into DST when DST ends with / (or as DST otherwise).
dockerfile_copy() {
  if [ -d "$1" ]; then mkdir -p "$2" && cp -a "$1/." "$2/"
  elif [[ $2 == */ ]]; then mkdir -p "$2" && cp -a "$1" "$2"
  else mkdir -p "$(dirname "$2")" && cp -a "$1" "$2"; fi
}
