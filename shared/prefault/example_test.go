//go:build linux

package prefault_test

import (
	"fmt"
	"os"

	"cosgate/shared/prefault"
)

// A function's main imports the package, whose init calls Executable.
// Either Executable says why it could not (EINVAL before Linux 5.14), or
// all of the executable's code and read-only data is then mapped in.
func ExampleExecutable() {
	err := prefault.Executable()
	resident, size, _ := prefault.Resident(os.Getpid())
	fmt.Println(err != nil || resident == size)
	// Output: true
}
