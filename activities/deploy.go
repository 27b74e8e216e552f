package activities

import ()
