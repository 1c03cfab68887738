// The `losscheck` command-line tool. Dispatch lives in `CommandLineTool.swift`, the commands in
// their own files, and the command table in `Command.swift`.

import Foundation

exit(CommandLineTool.run(arguments: Array(CommandLine.arguments.dropFirst())))
