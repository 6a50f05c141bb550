package prefault_test

import (
	"fmt"
	"os"

	"cosgate/shared/prefault"
)

// A function's main imports the package for its init; Resident then
// finds all of the executable's code and read-only data mapped in.
func ExampleResident() {
	resident, size, err := prefault.Resident(os.Getpid())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resident == size)
	// Output: true
}
