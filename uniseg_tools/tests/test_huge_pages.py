"""``python3 -m uniseg_tools`` re-executes itself with glibc's huge-page tunable where it helps."""

import os
import platform
import subprocess
import sys
import unittest

from uniseg_tools.huge_pages import TUNABLE, machine_tunables, transparent_huge_pages
from uniseg_tools.paths import REPO_ROOT


class MachineTunablesTest(unittest.TestCase):
    def test_only_on_glibc_linux_with_thp_on_request(self):
        self.assertEqual(machine_tunables({}, True, True, 'madvise'), TUNABLE)
        self.assertEqual(machine_tunables({'GLIBC_TUNABLES': 'glibc.malloc.arena_max=2'}, True, True, 'madvise'), f'glibc.malloc.arena_max=2:{TUNABLE}')
        for env, linux, glibc, thp in [({}, True, True, 'always'), ({}, True, True, 'never'), ({}, True, False, 'madvise'),
                                       ({}, False, True, 'madvise'), ({'UNISEG_HUGE_PAGES': '0'}, True, True, 'madvise'),
                                       ({'GLIBC_TUNABLES': 'glibc.malloc.hugetlb=0'}, True, True, 'madvise')]:
            self.assertIsNone(machine_tunables(env, linux, glibc, thp), (env, linux, glibc, thp))

    def test_the_entry_point_says_what_it_runs_with(self):
        thp = transparent_huge_pages()
        relaunches = sys.platform.startswith('linux') and platform.libc_ver()[0] == 'glibc' and thp == 'madvise'
        env = {k: v for k, v in os.environ.items() if k not in ('GLIBC_TUNABLES', 'UNISEG_HUGE_PAGES')}

        def footer(extra):
            run = subprocess.run([sys.executable, '-m', 'uniseg_tools', '--help'], cwd=REPO_ROOT, env={**env, **extra}, capture_output=True, text=True, check=True)
            return run.stdout.strip().splitlines()[-1]

        self.assertTrue(footer({}).startswith(f'huge pages: {"on" if relaunches or thp == "always" else "off"} (transparent huge pages: {thp};'))
        self.assertTrue(footer({'UNISEG_HUGE_PAGES': '0'}).startswith(f'huge pages: {"on" if thp == "always" else "off"} '))


if __name__ == '__main__':
    unittest.main()
