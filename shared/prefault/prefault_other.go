//go:build !linux

package prefault

import "errors"

func executable() error { return errors.ErrUnsupported }

func residentOf(int) (int64, int64, error) { return 0, 0, errors.ErrUnsupported }
